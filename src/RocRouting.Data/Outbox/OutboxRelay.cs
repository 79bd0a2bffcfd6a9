using System.Diagnostics;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RocRouting.Cases;
using RocRouting.Contracts;

namespace RocRouting.Data.Outbox;

public sealed class OutboxOptions
{
    /// <summary>Rows claimed per round trip; larger batches amortise the transaction, smaller ones lock less.</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>The backstop poll when no commit woke the relay (another process wrote the row, or a wake-up was lost).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long rows written while a relay runs in the same process are reserved for it (it publishes
    /// them from memory as they commit). A process that dies first leaves them to any relay after this,
    /// and a handed-off publish that takes longer counts as failed and goes back on the schedule.
    /// </summary>
    public TimeSpan HandOffLease { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one publish may wait for the broker's confirm before it counts as failed.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long dispatched rows are kept for inspection before they are deleted.</summary>
    public TimeSpan DispatchedRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Rounds in a row whose every publish timed out on a healthy bus before the bus is restarted (0: never).</summary>
    public int StalledRoundsBeforeBusRestart { get; set; } = 2;

    /// <summary>
    /// Whether a route's CaseRouted goes to the broker. No process of the service consumes it (each route
    /// plans its people's notifications in its own transaction), yet it cost every case a publish, a
    /// confirm, the broker's work and an outbox row written, handed over and marked (README,
    /// Performance). A system that wants every routing decision sets this and binds a queue to
    /// CaseRouted's exchange. Off, no outbox row is written for it; the route, its timeline event and
    /// its inbox items are the record of the decision.
    /// </summary>
    public bool PublishCaseRouted { get; set; }

    private static readonly string CaseRoutedType = OutboxSerializer.TypeName(typeof(CaseRouted));

    /// <summary>Whether a message of <paramref name="messageType"/> (an outbox row's type name) goes to the broker.</summary>
    internal bool Publishes(string messageType) => PublishCaseRouted || messageType != CaseRoutedType;

    /// <inheritdoc cref="Publishes(string)"/>
    internal bool Publishes(Type messageType) => Publishes(OutboxSerializer.TypeName(messageType));
}

/// <summary>
/// Publishes committed outbox rows to the broker. Rows are claimed with FOR UPDATE SKIP LOCKED and a
/// lease, so any number of relays (API and worker instances) can run at once and each row is published
/// by one of them; there is no high-water mark, so a row committed late by a slow transaction is
/// still found. A crash between publish and marking republishes the row with the same message id
/// when its lease ends, which consumers recognise.
/// </summary>
public sealed partial class OutboxRelay(
    IServiceScopeFactory scopes,
    IBusControl bus,
    OutboxSignal signal,
    IOptions<OutboxOptions> options,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    private readonly OutboxOptions _options = options.Value;
    private readonly List<Guid> _published = [];
    private long _firstPublished;
    private int _stalledRounds;
    private int _busRestarts;

    /// <summary>How often this relay restarted the bus because confirms stalled.</summary>
    public int BusRestarts => Volatile.Read(ref _busRestarts);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        signal.RelayStarted();
        try
        {
            await RelayAsync(stoppingToken);
        }
        finally
        {
            signal.RelayStopped();
            // Published rows not yet marked: marked now, or published again after their lease (harmless).
            await ((Task)MarkPublishedAsync(force: true)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task RelayAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var lastCleanup = DateTimeOffset.MinValue;
        // Claim at start (rows left by a process that stopped) and then once a poll interval, busy or
        // not (rows another process wrote, failed publishes whose retry is due); commits in this process
        // hand their rows over in between, so the claim's query does not run per commit.
        var claimDue = true;
        var lastClaim = 0L;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var handedOff = await PublishHandedOffAsync(stoppingToken);
                await MarkPublishedAsync(force: false);
                var claimed = 0;
                if (claimDue || Stopwatch.GetElapsedTime(lastClaim) >= _options.PollInterval)
                {
                    claimed = await RelayOnceAsync(stoppingToken);
                    lastClaim = Stopwatch.GetTimestamp();
                }
                failures = 0;
                claimDue = claimed == _options.BatchSize;
                if (claimDue || handedOff == _options.BatchSize)
                {
                    continue;
                }
                if (DateTimeOffset.UtcNow - lastCleanup > TimeSpan.FromMinutes(10))
                {
                    await DeleteDispatchedAsync(stoppingToken);
                    lastCleanup = DateTimeOffset.UtcNow;
                }
                var untilPoll = _options.PollInterval - Stopwatch.GetElapsedTime(lastClaim);
                var untilMark = _published.Count == 0 ? untilPoll : MarkDelay - Stopwatch.GetElapsedTime(_firstPublished);
                var woken = untilPoll > TimeSpan.Zero && untilMark > TimeSpan.Zero
                    && await signal.WaitAsync(untilMark < untilPoll ? untilMark : untilPoll, stoppingToken);
                // A wake-up without rows in hand is a commit whose rows were not handed over (saved
                // before this relay ran, or by a save that failed over): they are claimed at once.
                claimDue = Stopwatch.GetElapsedTime(lastClaim) >= _options.PollInterval || (woken && signal.TakeRowsNotHandedOff());
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                failures++;
                claimDue = true;
                LogRelayFailed(logger, e, failures);
                // A round fails when the database cannot be reached: try again soon, and at once when a
                // commit shows it is back. (The rows' own backoff, for a broker that refuses them, is longer.)
                await ((Task)signal.WaitAsync(RoundBackoff(failures), stoppingToken)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>
    /// Marks handed-off rows dispatched a few at a time: at moderate rates each commit is its own
    /// publish, and an UPDATE per publish was a round trip per message for a record no one waits on.
    /// The delay stays far inside the hand-off lease, so a row is not claimed again meanwhile.
    /// </summary>
    private async Task MarkPublishedAsync(bool force)
    {
        if (_published.Count == 0 || (!force && _published.Count < _options.BatchSize && Stopwatch.GetElapsedTime(_firstPublished) < MarkDelay))
        {
            return;
        }
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<RocDbContext>().MarkOutboxDispatchedAsync([.. _published], CancellationToken.None);
        _published.Clear();
    }

    private TimeSpan MarkDelay => _options.HandOffLease / 20;

    /// <summary>Publishes rows this process committed and handed over, without querying for them.</summary>
    private async Task<int> PublishHandedOffAsync(CancellationToken cancellationToken)
    {
        var rows = signal.TakeHandedOff(_options.BatchSize);
        var taken = rows.Count;
        // A row that waited out its lease in memory (a relay far behind) is any relay's to claim now:
        // publishing it here as well would only send it twice.
        var leaseEnds = DateTimeOffset.UtcNow + MarkDelay;
        rows.RemoveAll(r => r.NextAttemptAt <= leaseEnds);
        if (rows.Count == 0)
        {
            return taken;
        }
        // Bounded by the lease: a publish still waiting after it could meet a second one by a claiming relay.
        var timeout = _options.HandOffLease < _options.PublishTimeout ? _options.HandOffLease : _options.PublishTimeout;
        // The marks are deferred, so only a failed publish needs the database: a context is rented then, not every round.
        AsyncServiceScope? scope = null;
        try
        {
            await PublishAndRecordAsync(
                () => (scope ??= scopes.CreateAsyncScope()).ServiceProvider.GetRequiredService<RocDbContext>(), rows, timeout, cancellationToken, deferMarks: true);
        }
        finally
        {
            if (scope is { } rented)
            {
                await rented.DisposeAsync();
            }
        }
        return taken;
    }

    /// <summary>Claims one batch of due rows, publishes them with broker confirms, and records the outcome.</summary>
    public async Task<int> RelayOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();

        // Claim in one short statement: the rows' next attempt moves past the lease, so no other relay
        // takes them meanwhile, and no transaction stays open while the broker is asked. An open one
        // would pin the snapshot horizon that the inbox's gap-free cursor waits on, for every recipient,
        // for as long as a stalled broker takes to answer.
        var lease = _options.PublishTimeout * 2;
        var rows = (await db.ClaimOutboxAsync(lease, _options.BatchSize, cancellationToken)).OrderBy(r => r.CreatedAt).ToList();
        if (rows.Count == 0)
        {
            return 0;
        }

        await PublishAndRecordAsync(() => db, rows, _options.PublishTimeout, cancellationToken);
        return rows.Count;
    }

    private async Task PublishAndRecordAsync(
        Func<RocDbContext> db, List<OutboxMessage> rows, TimeSpan timeout, CancellationToken cancellationToken, bool deferMarks = false)
    {
        // A CaseRouted nobody asked for (Outbox:PublishCaseRouted off), written by an earlier version or
        // while the setting was on, is done with as if published, and is no publish to judge the bus by: a
        // round of those alone does not ask the bus's health either.
        List<OutboxMessage> sent = [], unsent = [];
        foreach (var row in rows)
        {
            (_options.Publishes(row.MessageType) ? sent : unsent).Add(row);
        }
        var healthyBefore = sent.Count > 0 && IsBusHealthy();
        var outcomes = await Task.WhenAll(sent.Select(row => PublishAsync(row, timeout)));

        // Once published, the outcome is recorded even if the host is stopping: otherwise the rows would
        // be published again when their lease ends (harmless, the message ids repeat, but noisy).
        var published = outcomes.Where(o => o.Error is null).Select(o => o.Row.Id).Concat(unsent.Select(r => r.Id)).ToArray();
        if (deferMarks && published.Length > 0)
        {
            if (_published.Count == 0)
            {
                _firstPublished = Stopwatch.GetTimestamp();
            }
            _published.AddRange(published);
        }
        else if (published.Length > 0)
        {
            await db().MarkOutboxDispatchedAsync(published, CancellationToken.None);
        }
        foreach (var failed in outcomes.Where(o => o.Error is not null))
        {
            var error = Truncate($"{failed.Error!.GetType().Name}: {failed.Error.Message}", 2000);
            await db().RescheduleOutboxAsync(failed.Row.Id, error, Backoff(failed.Row.Attempts + 1), CancellationToken.None);
            LogPublishFailed(logger, failed.Error, failed.Row.Id, failed.Row.MessageType, failed.Row.Attempts + 1);
        }
        if (outcomes.Length > 0)
        {
            await RestartTheBusIfConfirmsStalledAsync(outcomes, healthyBefore, cancellationToken);
        }
    }

    /// <summary>
    /// RabbitMQ.Client 7.2 can lose track of publisher confirms on a channel recovered after a broker
    /// restart (rabbitmq-dotnet-client#1930, open): the connection is up, yet every publish on that
    /// channel waits for a confirm that never comes. Each publish is bounded, so nothing is lost, but
    /// nothing would be published again either. When whole rounds time out while the bus says it is
    /// healthy, the relay restarts the bus (MassTransit 8 restarts a stopped bus), which opens new
    /// channels. A broker that is down, going or coming back is not this: the bus is then unhealthy
    /// before or after the round, and the relay waits.
    /// </summary>
    private async Task RestartTheBusIfConfirmsStalledAsync(
        (OutboxMessage Row, Exception? Error)[] outcomes, bool healthyBefore, CancellationToken cancellationToken)
    {
        var stalled = healthyBefore && outcomes.All(o => o.Error is OperationCanceledException) && IsBusHealthy();
        if (!stalled || _options.StalledRoundsBeforeBusRestart <= 0)
        {
            _stalledRounds = 0;
            return;
        }
        if (++_stalledRounds < _options.StalledRoundsBeforeBusRestart)
        {
            return;
        }
        _stalledRounds = 0;
        LogRestartingBus(logger, _options.StalledRoundsBeforeBusRestart);
        using (var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            bounded.CancelAfter(BusRestartTimeout);
            try
            {
                await bus.StopAsync(bounded.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Consumers still finishing: the bus is started again all the same.
            }
        }
        // Not bounded: a bus left stopped would publish and consume nothing, so this waits for it.
        await bus.StartAsync(cancellationToken);
        Interlocked.Increment(ref _busRestarts);
    }

    private async Task<(OutboxMessage Row, Exception? Error)> PublishAsync(OutboxMessage row, TimeSpan timeout)
    {
        // The span continues the trace of the request that wrote the row; MassTransit's publish span
        // under it carries the context on to the consumer in the message headers.
        using var activity = RocDiagnostics.StartFrom("outbox publish", ActivityKind.Producer, row.TraceParent);
        activity?.SetTag("messaging.message.id", row.Id);
        activity?.SetTag("messaging.message.type", row.MessageType);
        try
        {
            var (message, type) = row.Written ?? Decode(row);
            // A publish waits for the broker's confirm at most PublishTimeout (HandOffLease for handed-off rows); then the row goes back on the
            // durable schedule. (RabbitMQ.Client 7.2 keeps confirm tracking intact after a cancelled
            // publish; 7.1 did not, and the relay used to pass no token at all: README, packages.)
            using var bounded = new CancellationTokenSource(timeout);
            await bus.Publish(message, type, Pipe.Execute<PublishContext>(ctx => ctx.MessageId = row.Id), bounded.Token);
            return (row, null);
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            return (row, e);
        }
    }

    private static (object Message, Type Type) Decode(OutboxMessage row)
    {
        var type = OutboxSerializer.ResolveType(row.MessageType);
        return (OutboxSerializer.Deserialize(row.Payload, type), type);
    }

    private bool IsBusHealthy() => bus.CheckHealth().Status == BusHealthStatus.Healthy;

    private async Task DeleteDispatchedAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
        var seconds = _options.DispatchedRetention.TotalSeconds;
        await db.Database.ExecuteSqlAsync(
            $"DELETE FROM outbox_messages WHERE dispatched_at < now() - make_interval(secs => {seconds})", cancellationToken);
    }

    private TimeSpan Backoff(int attempt) => Cases.Backoff.Exponential(attempt, _options.FirstRetryDelay, _options.MaxRetryDelay);

    private TimeSpan RoundBackoff(int failures) => Cases.Backoff.Exponential(failures, _options.FirstRetryDelay, MaxRoundBackoff);

    /// <summary>How long stopping the bus may take before it is started again regardless.</summary>
    private static readonly TimeSpan BusRestartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The longest a relay waits after a failed round: a database back after an outage is found within this.</summary>
    private static readonly TimeSpan MaxRoundBackoff = TimeSpan.FromSeconds(5);

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox relay round failed ({Failures} in a row)")]
    private static partial void LogRelayFailed(ILogger logger, Exception exception, int failures);

    [LoggerMessage(Level = LogLevel.Error, Message = "Every publish of {Rounds} relay rounds in a row timed out while the bus was healthy: restarting the bus")]
    private static partial void LogRestartingBus(ILogger logger, int rounds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing outbox message {MessageId} ({MessageType}) failed, attempt {Attempt}")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, Guid messageId, string messageType, int attempt);
}
