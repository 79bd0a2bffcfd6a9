using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using RocRouting.Data;

namespace RocRouting.Api.Health;

/// <summary>
/// Ready only while some worker proves, through the database, that a heartbeat recently went round
/// the real bus and that its deadline watcher recently completed a round. Without that, accepted
/// cases would wait unrouted, or deadlines would pass unnoticed, and nobody would know.
/// </summary>
internal sealed class WorkerHealthCheck(NpgsqlDataSource dataSource, IConfiguration configuration) : IHealthCheck
{
    private readonly TimeSpan _maxAge = configuration.GetValue("SelfMonitoring:MaxAge", TimeSpan.FromMinutes(1));

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var (heartbeat, deadlines) = await HealthQueries.WorkerAgesAsync(dataSource, cancellationToken);
            return !(heartbeat <= _maxAge) ? HealthCheckResult.Unhealthy("no heartbeat has come back through the bus recently")
                : !(deadlines <= _maxAge) ? HealthCheckResult.Unhealthy("the deadline watcher has not run recently")
                : HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("database unreachable");
        }
    }
}

public static class WorkerHealthCheckExtensions
{
    /// <summary>Readiness includes the workers' self-checks (heartbeat round trip, deadline watcher).</summary>
    public static IHealthChecksBuilder AddWorkerHealthCheck(this IHealthChecksBuilder checks) =>
        checks.AddCheck<WorkerHealthCheck>("workers", tags: ["ready"]);
}
