using System.Diagnostics.Metrics;
using MassTransit;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Hosting;

namespace RocRouting.Worker;

public sealed class SelfMonitoringOptions
{
    /// <summary>How often a heartbeat goes round the bus and the backlog gauges are sampled.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a heartbeat may take to come back before it counts as lost.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A token that ends a step of a round (a heartbeat, a broker query) after <see cref="Timeout"/>
    /// whatever the broker does: a step that hangs must not stop the rounds that report readiness.
    /// </summary>
    internal CancellationTokenSource Bound(CancellationToken stoppingToken)
    {
        var bounded = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        bounded.CancelAfter(Timeout);
        return bounded;
    }

    /// <summary>
    /// Where the worker, which serves no HTTP, shows a container runtime its health: <c>alive</c> is
    /// touched every round (the process is not stuck), <c>ready</c> every round in which a heartbeat
    /// came back through the broker and the database took the status (it does its work). A probe
    /// compares their age with a few intervals. Unset: no files.
    /// </summary>
    public string? HealthDirectory { get; set; }
}

/// <summary>Answers heartbeats: any worker instance that consumes one proves the queue is served.</summary>
public sealed class HeartbeatConsumer : IConsumer<CheckHeartbeat>
{
    public Task Consume(ConsumeContext<CheckHeartbeat> context) =>
        context.RespondAsync(new HeartbeatReturned { HeartbeatId = context.Message.HeartbeatId });
}

/// <summary>A heartbeat sent through the broker and answered by a worker, bounded in time whatever the broker does.</summary>
public sealed class HeartbeatRoundTrip(IBus bus, IOptions<SelfMonitoringOptions> options)
{
    // A client of the bus, not of a scope: it lives as long as the process.
    private readonly IRequestClient<CheckHeartbeat> _client = bus.CreateRequestClient<CheckHeartbeat>();

    /// <summary>Returns once the answer came back; throws once <see cref="SelfMonitoringOptions.Timeout"/> has passed, sent or not.</summary>
    public async Task GoRoundAsync(CancellationToken stoppingToken)
    {
        // MassTransit starts a request's timeout once the message is on its way to the broker. A send
        // that waits (a connection being recovered, a blocked publisher) ends only when cancelled, and a
        // self-monitor stuck in it would leave every API unready long after the broker is back.
        using var bounded = options.Value.Bound(stoppingToken);
        await _client.GetResponse<HeartbeatReturned>(
            new CheckHeartbeat { HeartbeatId = Guid.NewGuid(), SentAt = DateTimeOffset.UtcNow }, bounded.Token,
            RequestTimeout.After(ms: (int)options.Value.Timeout.TotalMilliseconds));
    }
}

/// <summary>
/// The worker watching itself, as on-call systems do: on an interval it sends a heartbeat through
/// the real broker and waits for the answer, then records in the database when one last came back
/// and when the deadline watcher last completed a round (the API's readiness reads both). It also
/// samples what operators watch for "is anything stuck?": the outbox backlog and its oldest row,
/// and the messages waiting in the worker's _error queues.
/// </summary>
public sealed partial class SelfMonitor : BackgroundService
{
    private readonly IServiceScopeFactory _scopes;
    private readonly HeartbeatRoundTrip _heartbeat;
    private readonly DeadlineWatcher _deadlines;
    private readonly IOptions<SelfMonitoringOptions> _options;
    private readonly RabbitMqOptions _rabbit;
    private readonly RocMetrics _metrics;
    private readonly ILogger<SelfMonitor> _logger;
    private readonly string _instance = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";
    private readonly long _started = Environment.TickCount64;
    private long _lastReturned = -1;
    private (long Rows, double OldestSeconds) _outbox;
    private Dictionary<string, long> _errorQueues = [];
    private IConnection? _connection;

    public SelfMonitor(
        IServiceScopeFactory scopes,
        IBus bus,
        DeadlineWatcher deadlines,
        IOptions<SelfMonitoringOptions> options,
        IOptions<RabbitMqOptions> rabbit,
        RocMetrics metrics,
        ILogger<SelfMonitor> logger)
    {
        _scopes = scopes;
        _heartbeat = new HeartbeatRoundTrip(bus, options);
        _deadlines = deadlines;
        _options = options;
        _rabbit = rabbit.Value;
        _metrics = metrics;
        _logger = logger;
        metrics.Meter.CreateObservableGauge("rocrouting.heartbeat.age", () => SinceHeartbeat.TotalSeconds, "s",
            "Time since a heartbeat last came back through the bus (since start when none has)");
        metrics.Meter.CreateObservableGauge("rocrouting.outbox.backlog", () => _outbox.Rows, "{message}", "Outbox messages not yet published");
        metrics.Meter.CreateObservableGauge("rocrouting.outbox.oldest_age", () => _outbox.OldestSeconds, "s", "Age of the oldest unpublished outbox message");
        metrics.Meter.CreateObservableGauge("rocrouting.bus.error_queue.messages", ErrorQueueMeasurements, "{message}",
            "Messages in the worker's _error queues (failed after retries), by queue");
    }

    /// <summary>Time since a heartbeat last came back (since start when none has yet).</summary>
    public TimeSpan SinceHeartbeat
    {
        get
        {
            var last = Interlocked.Read(ref _lastReturned);
            return TimeSpan.FromMilliseconds(Environment.TickCount64 - (last < 0 ? _started : last));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var returned = await HeartbeatAsync(stoppingToken);
            var recorded = false;
            try
            {
                await RecordAsync(returned, stoppingToken);
                recorded = true;
                await SampleErrorQueuesAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(_logger, e);
            }
            Touch("alive");
            if (returned && recorded)
            {
                Touch("ready");
            }
            await Task.Delay(_options.Value.Interval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    private async Task<bool> HeartbeatAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _heartbeat.GoRoundAsync(stoppingToken);
            Interlocked.Exchange(ref _lastReturned, Environment.TickCount64);
            return true;
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            _metrics.HeartbeatFailures.Add(1);
            var seconds = SinceHeartbeat.TotalSeconds;
            LogHeartbeatLost(_logger, e.GetType().Name, seconds);
            return false;
        }
    }

    /// <summary>One statement: this instance's status (database clock) and the outbox sample; stale instances are forgotten.</summary>
    private async Task RecordAsync(bool heartbeatReturned, CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
        var sample = await db.RecordWorkerStatusAsync(_instance, heartbeatReturned, _deadlines.SinceLastRound?.TotalSeconds, cancellationToken);
        _outbox = (sample.Rows, sample.OldestSeconds);
    }

    /// <summary>
    /// Counts the _error queues' messages on a connection of its own, bounded as the heartbeat is; a
    /// connection that failed is dropped, and the next round opens a new one.
    /// </summary>
    private async Task SampleErrorQueuesAsync(CancellationToken stoppingToken)
    {
        using var bounded = _options.Value.Bound(stoppingToken);
        try
        {
            _connection ??= await new ConnectionFactory { Uri = _rabbit.ConnectionUri(), ClientProvidedName = "rocrouting-self-monitor" }
                .CreateConnectionAsync(bounded.Token);
            var counts = new Dictionary<string, long>();
            foreach (var (_, errorQueue) in ReceiveQueues.All(_rabbit))
            {
                await using var channel = await _connection.CreateChannelAsync(cancellationToken: bounded.Token);
                counts[errorQueue] = await ReceiveQueues.MessageCountAsync(channel, errorQueue, bounded.Token) ?? 0;
            }
            _errorQueues = counts;
        }
        catch when (!stoppingToken.IsCancellationRequested && _connection is { } failed)
        {
            _connection = null;
            await failed.DisposeAsync();
            throw;
        }
    }

    private void Touch(string name)
    {
        if (_options.Value.HealthDirectory is not { Length: > 0 } directory)
        {
            return;
        }
        try
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, name), DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (IOException e)
        {
            // A full or read-only disk: the probe will see a stale file, which is the truth.
            LogHealthFileFailed(_logger, name, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write the health file {Name}")]
    private static partial void LogHealthFileFailed(ILogger logger, string name, Exception exception);

    private IEnumerable<Measurement<long>> ErrorQueueMeasurements() =>
        _errorQueues.Select(q => new Measurement<long>(q.Value, new KeyValuePair<string, object?>("queue", q.Key)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat did not come back through the bus ({Error}); last one {Seconds:F0} s ago")]
    private static partial void LogHeartbeatLost(ILogger logger, string error, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Self-monitoring round failed")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}
