using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using RocRouting.Api.Infrastructure;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;

namespace RocRouting.Api.Console;

/// <summary>
/// One timeline event as a console hears of it: what happened to which case, and a Swedish line for
/// screen readers and notifications. No personal data (ids, codes and names of organisations only).
/// </summary>
public sealed record LiveEvent(string Cursor, Guid CaseId, string Kind, string Urgency, bool NewForReader, string Text);

/// <summary>
/// The consoles' live feed, one per instance. It reads new timeline events from PostgreSQL in commit
/// order with a gap-free cursor (see <see cref="CaseQueries.CaseEventsAfterAsync"/>), so whichever
/// process or instance made the change, every console that may read the case hears of it, and no
/// broker, sticky session or instance-to-instance channel is involved. Each event is passed to the
/// subscribers whose reader may read the case, by the same rule as the API (<see cref="CaseAccess.CanRead"/>).
/// </summary>
public sealed partial class LiveFeed(
    IServiceScopeFactory scopes, IOptions<ConsoleOptions> options, Swedish swedish, ILogger<LiveFeed> logger) : BackgroundService
{
    private const int BatchSize = 500;

    /// <summary>
    /// How often the feed reads while no console listens: it keeps its cursor near the present (so the
    /// first console's first round is small) at a tenth of the cost of the listening poll.
    /// </summary>
    internal static readonly TimeSpan UnheardPollInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<Subscription, byte> _subscriptions = new();
    private readonly WakeUp _firstListener = new();
    private (long Tx, long Id)? _cursor;

    public int Subscribers => _subscriptions.Count;

    public Subscription Subscribe(CaseReader reader)
    {
        var subscription = new Subscription(reader, this);
        _subscriptions[subscription] = 0;
        if (_subscriptions.Count == 1)
        {
            // The feed may be in its slow, unheard wait: the console's events start with the next round.
            _firstListener.Set();
        }
        return subscription;
    }

    public static string FormatCursor((long Tx, long Id) cursor) => DottedCursor.Format(cursor.Tx, cursor.Id);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await PollOnceAsync(stoppingToken) == BatchSize)
                {
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The database is away: consoles show their last state; the next round catches up from the cursor.
                LogPollFailed(logger, e);
            }
            if (_subscriptions.IsEmpty)
            {
                await ((Task)_firstListener.WaitAsync(UnheardPollInterval, stoppingToken)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            else
            {
                await Task.Delay(options.Value.LivePollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    public override void Dispose()
    {
        _firstListener.Dispose();
        base.Dispose();
    }

    /// <summary>Reads the events committed since the last round and hands each to the consoles that may see it.</summary>
    internal async Task<int> PollOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
        if (_cursor is not { } cursor)
        {
            _cursor = await db.CaseEventHorizonAsync(cancellationToken);
            return 0;
        }
        var events = await db.CaseEventsAfterAsync(cursor, BatchSize, cancellationToken);
        if (events.Count == 0)
        {
            return 0;
        }
        _cursor = (events[^1].TxId, events[^1].Id);
        if (!_subscriptions.IsEmpty)
        {
            var cases = (await db.CasesForAccessAsync([.. events.Select(e => e.CaseId).Distinct()], cancellationToken)).ToDictionary(c => c.Id);
            foreach (var e in events)
            {
                if (cases.TryGetValue(e.CaseId, out var @case))
                {
                    Publish(e, @case);
                }
            }
        }
        return events.Count;
    }

    private void Publish(CaseEvent e, ChildCase @case)
    {
        var cursor = FormatCursor((e.TxId, e.Id));
        foreach (var subscription in _subscriptions.Keys)
        {
            if (CaseAccess.CanRead(subscription.Reader, @case))
            {
                // "New for this reader": the case has just arrived at the reader's organisation.
                var arrived = e.Kind is CaseEventKind.Routed or CaseEventKind.Rerouted or CaseEventKind.HandedOver
                    && CaseAccess.CanActFor(subscription.Reader, @case.Recipient);
                var text = arrived
                    ? Swedish.Format(Text.LiveCaseRouted, Swedish.Of(@case.Urgency), Swedish.Of(@case.Category), swedish.NameOf(@case.Recipient))
                    : Swedish.Format(Text.LiveCaseChanged, Swedish.Of(e.Kind));
                subscription.Offer(new LiveEvent(cursor, e.CaseId, Wire.Name(e.Kind), Wire.Name(@case.Urgency), arrived, text));
            }
        }
    }

    /// <summary>One open console: a bounded queue of events it may see. A console too slow to read loses the oldest and refreshes anyway.</summary>
    public sealed class Subscription(CaseReader reader, LiveFeed feed) : IDisposable
    {
        private readonly Channel<LiveEvent> _events = Channel.CreateBounded<LiveEvent>(
            new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

        public CaseReader Reader { get; } = reader;

        public ChannelReader<LiveEvent> Events => _events.Reader;

        internal void Offer(LiveEvent e) => _events.Writer.TryWrite(e);

        public void Dispose()
        {
            feed._subscriptions.TryRemove(this, out _);
            _events.Writer.TryComplete();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live feed round failed; retrying")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
