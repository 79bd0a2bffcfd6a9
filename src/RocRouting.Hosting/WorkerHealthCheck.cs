using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace RocRouting.Hosting;

/// <summary>
/// Ready only while some worker proves, through the database, that a heartbeat recently went round
/// the real bus and that its deadline watcher recently completed a round. Without that, accepted
/// cases would wait unrouted, or deadlines would pass unnoticed, and nobody would know.
/// </summary>
internal sealed class WorkerHealthCheck(NpgsqlDataSource dataSource, IConfiguration configuration) : IHealthCheck
{
    private readonly double _maxAgeSeconds = configuration.GetValue("SelfMonitoring:MaxAge", TimeSpan.FromMinutes(1)).TotalSeconds;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("""
                SELECT extract(epoch FROM now() - max(heartbeat_returned_at))::float8,
                       extract(epoch FROM now() - max(deadlines_checked_at))::float8
                FROM worker_status
                """);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var heartbeat = reader.IsDBNull(0) ? double.MaxValue : reader.GetDouble(0);
            var deadlines = reader.IsDBNull(1) ? double.MaxValue : reader.GetDouble(1);
            return heartbeat > _maxAgeSeconds ? HealthCheckResult.Unhealthy("no heartbeat has come back through the bus recently")
                : deadlines > _maxAgeSeconds ? HealthCheckResult.Unhealthy("the deadline watcher has not run recently")
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
