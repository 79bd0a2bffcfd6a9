using System.Threading.Channels;
using Npgsql;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Hosting;
using RocRouting.Routing;
using RocRouting.Worker.Notifications;

namespace RocRouting.Worker;

/// <summary>What became of one submitted case: routed now (with its route), or already routed before.</summary>
public sealed record RoutingOutcome(CaseRoute? Route, DateTimeOffset DecidedAt)
{
    public bool AlreadyRouted => Route is null;
}

/// <summary>
/// Writes routing decisions with group commit: the cases that arrive while one transaction is being
/// written go together into the next one. A lone case is written at once (no batching delay, so the
/// latency at night stays that of one transaction), and a backlog is written some dozens of cases per
/// transaction, which is what lets a restarted worker drain it in seconds (README, Performance).
/// Each message keeps its own consume context: a case that cannot be written fails alone and is
/// retried by MassTransit, and the others in its transaction are written again without it.
/// The notifications of the people on duty are planned in the same transaction (rosters read once
/// per transaction), so a routed case never waits on another broker hop before someone is reached,
/// and handed to this process's sender at commit (<see cref="NotificationSignal"/>).
/// </summary>
/// <remarks>
/// MassTransit's <c>Batch&lt;T&gt;</c> consumer was the first choice, but it holds a partial batch until
/// its time limit and fails or retries a batch as a whole; neither suits a case that must be routed
/// within milliseconds and must never wait on another case's fault.
/// </remarks>
public sealed partial class CaseRouter : IAsyncDisposable
{
    /// <summary>Bounded by the consumer's prefetch anyway; this keeps one transaction's locks and size reasonable.</summary>
    public const int MaxCasesPerTransaction = 100;

    /// <summary>
    /// Transactions in flight at once. One writer waits for each commit before it takes the next batch; on a
    /// loaded machine that round trip, not CPU, capped routing below the intake rate (README, Performance).
    /// </summary>
    public const int Writers = 2;

    private readonly IServiceScopeFactory _scopes;
    private readonly RowWriter _rows;
    private readonly RoutingConfiguration _config;
    private readonly WebhookDirectory _webhooks;
    private readonly NotificationPlanner _planner;
    private readonly NotificationSignal _notifications;
    private readonly TimeProvider _time;
    private readonly RocMetrics _metrics;
    private readonly ILogger<CaseRouter> _logger;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>();
    private readonly Task[] _writers;

    public CaseRouter(
        IServiceScopeFactory scopes, RowWriter rows, RoutingConfiguration config, WebhookDirectory webhooks, NotificationPlanner planner, NotificationSignal notifications,
        TimeProvider time, RocMetrics metrics, ILogger<CaseRouter> logger)
    {
        _scopes = scopes;
        _rows = rows;
        _config = config;
        _webhooks = webhooks;
        _planner = planner;
        _notifications = notifications;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _writers = [.. Enumerable.Range(0, Writers).Select(_ => Task.Run(WriteAsync))];
    }

    /// <summary>Routes the case of <paramref name="message"/> unless it has been routed already; completes once the decision is committed.</summary>
    /// <param name="firstDelivery">
    /// Neither redelivered nor retried: the case is almost certainly unrouted, so it is decided from the
    /// message's facts without reading it (the unique route key still refuses a second decision).
    /// </param>
    public Task<RoutingOutcome> RouteAsync(CaseSubmitted message, string? traceParent, bool firstDelivery)
    {
        var pending = new Pending(message, traceParent, firstDelivery);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(pending), this);
        return pending.Completion.Task;
    }

    /// <summary>Writes <paramref name="messages"/> as one batch now, bypassing the queue (for tests of the batch's failure handling).</summary>
    internal async Task<Task<RoutingOutcome>[]> RouteTogetherAsync(IEnumerable<CaseSubmitted> messages)
    {
        var batch = messages.Select(m => new Pending(m, null, FirstDelivery: true)).ToList();
        await WriteBatchAsync(batch);
        return [.. batch.Select(p => p.Completion.Task)];
    }

    public async ValueTask DisposeAsync()
    {
        // Singletons are disposed after the hosted services (the bus among them) have stopped, so no
        // consumer waits here any more; anything still queued is written before the process exits.
        _queue.Writer.TryComplete();
        await Task.WhenAll(_writers);
    }

    private async Task WriteAsync()
    {
        var batch = new List<Pending>(MaxCasesPerTransaction);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxCasesPerTransaction && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }
            try
            {
                await WriteBatchAsync(batch);
            }
            catch (Exception e)
            {
                // Not reached in practice (WriteBatchAsync settles every case); a writer that died would strand every consumer.
                LogWriterFailed(_logger, e, batch.Count);
                foreach (var pending in batch)
                {
                    pending.Completion.TrySetException(e);
                }
            }
            batch.Clear();
        }
    }

    private async Task WriteBatchAsync(List<Pending> batch)
    {
        try
        {
            var outcomes = await TryWriteAsync(batch, trustFirstDeliveries: true);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(outcomes[i]);
            }
            return;
        }
        catch (Exception e)
        {
            // One case spoilt the transaction (routed already, or meanwhile by another worker, or bad data):
            // the others must not wait on it or share its retries, so each is written on its own, from
            // the case as stored.
            LogBatchFellBack(_logger, e, batch.Count);
        }
        foreach (var pending in batch)
        {
            try
            {
                pending.Completion.TrySetResult((await TryWriteAsync([pending], trustFirstDeliveries: false))[0]);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // Another delivery of the same message decided first; its decision stands.
                pending.Completion.TrySetResult(new RoutingOutcome(null, _time.GetUtcNow()));
            }
            catch (Exception e)
            {
                pending.Completion.TrySetException(e);
            }
        }
    }

    private async Task<RoutingOutcome[]> TryWriteAsync(IReadOnlyList<Pending> batch, bool trustFirstDeliveries)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
        // A first delivery is decided from its message's facts (no read: the routing transaction is one
        // round trip); a redelivered or retried one, or any after a failed batch, from the case as stored.
        var trusted = batch.Where(p => trustFirstDeliveries && p.FirstDelivery).ToList();
        var toRead = batch.Where(p => !(trustFirstDeliveries && p.FirstDelivery)).Select(p => p.Message.CaseId).ToArray();
        var cases = toRead.Length == 0 ? [] : await db.CasesByIdAsync(toRead, CancellationToken.None);
        foreach (var pending in trusted)
        {
            // The same case twice in one batch shares one instance, so its second decision sees the first.
            cases.TryAdd(pending.Message.CaseId, CaseLifecycle.AsSubmitted(pending.Message));
        }
        // The decisions go to PostgreSQL as one prepared batch (README, Performance): the cases as read
        // or described, whose changed columns it updates, and the new rows.
        var work = _rows.Begin();
        foreach (var @case in cases.Values)
        {
            work.Attach(@case);
        }
        var now = _time.GetUtcNow();
        var outcomes = new RoutingOutcome[batch.Count];
        var rosters = new Dictionary<string, DutyRoster>(StringComparer.Ordinal);
        var planned = new List<Notification>();
        for (var i = 0; i < batch.Count; i++)
        {
            var message = batch[i].Message;
            var @case = cases.GetValueOrDefault(message.CaseId)
                ?? throw new InvalidOperationException($"Case {message.CaseId} is not in the database.");
            // The case row carries its route sequence (written with the route), so a redelivery (or the
            // same case twice in one batch) is recognised without a query of its own.
            var route = CaseLifecycle.Route(work, @case, _config, _webhooks, now, batch[i].TraceParent);
            if (route is not null)
            {
                planned.AddRange(await _planner.PlanIntoAsync(work, db, @case, route, rosters, CancellationToken.None));
            }
            outcomes[i] = new RoutingOutcome(route, now);
        }
        // Written leased to this process's sender and handed to it at commit, so it need not lease them.
        var handOff = _notifications.LeaseForHandOff(planned, now);
        await work.SaveAsync(CancellationToken.None);
        _metrics.CasesPerRoutingTransaction.Record(batch.Count);
        if (handOff)
        {
            _notifications.HandOff(planned);
        }
        else if (planned.Count > 0)
        {
            _notifications.Wake();
        }
        return outcomes;
    }

    private sealed record Pending(CaseSubmitted Message, string? TraceParent, bool FirstDelivery)
    {
        public TaskCompletionSource<RoutingOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Count} routing decisions together failed; writing them one by one")]
    private static partial void LogBatchFellBack(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The routing writer failed a batch of {Count} outside its error handling")]
    private static partial void LogWriterFailed(ILogger logger, Exception exception, int count);
}
