using Microsoft.Extensions.Options;
using RocRouting.Cases;
using RocRouting.Data;

namespace RocRouting.Worker;

public sealed class UnroutedCaseOptions
{
    /// <summary>How often stuck cases are looked for.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A case still unrouted this long after it was submitted is routed by the sweeper.</summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromSeconds(30);

    public int BatchSize { get; set; } = 50;
}

/// <summary>
/// The equivalent of delayed redelivery for the one message that must never wait: a case that is
/// still unrouted half a minute after it was submitted is routed from the database. Its CaseSubmitted may
/// sit in <c>route-case_error</c> after a fault that outlasted the bus's immediate retries (a
/// PostgreSQL failover, a stall), or be stuck in a queue nobody consumes; Debian's RabbitMQ has no
/// delayed-message plugin and MassTransit's schedulers are not served here. The sweeper calls the
/// same <see cref="CaseRouter"/> as the consumer, so the decision is the same, once: a case the
/// consumer routes meanwhile, or the error queue's message redriven later, changes nothing. Cases
/// are taken oldest first, a batch at a time, so after a long outage the sweeper helps drain the
/// backlog instead of doubling it.
/// </summary>
public sealed partial class UnroutedCaseSweeper(
    IServiceScopeFactory scopes,
    CaseRouter router,
    TimeProvider time,
    IOptions<UnroutedCaseOptions> options,
    ILogger<UnroutedCaseSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(options.Value.Interval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The database is likely down too; the next round tries again.
                LogSweepFailed(logger, e);
            }
        }
    }

    /// <summary>Routes the cases stuck unrouted now (by the injected clock); returns how many it found.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        List<ChildCase> stuck;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
            stuck = await db.UnroutedCasesAsync(now - options.Value.StuckAfter, options.Value.BatchSize, cancellationToken);
        }
        foreach (var @case in stuck)
        {
            LogStuck(logger, @case.Id, (now - @case.SubmittedAt).TotalSeconds);
            var outcome = await router.RouteAsync(CaseLifecycle.Submitted(@case), traceParent: null, firstDelivery: false);
            if (outcome.Route is { } route)
            {
                LogRouted(logger, @case.Id, route.RuleId);
            }
        }
        return stuck.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Case {CaseId} still unrouted {Seconds:F0} s after submission: routing it from the database")]
    private static partial void LogStuck(ILogger logger, Guid caseId, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stuck case {CaseId} routed by rule {RuleId}")]
    private static partial void LogRouted(ILogger logger, Guid caseId, string ruleId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sweep for unrouted cases failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
