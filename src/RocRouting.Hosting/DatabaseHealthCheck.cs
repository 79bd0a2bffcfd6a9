using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using RocRouting.Data;

namespace RocRouting.Hosting;

internal sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await HealthQueries.PingAsync(dataSource, cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // No exception text: readiness answers are public and must not help an attacker.
            return HealthCheckResult.Unhealthy("database unreachable");
        }
    }
}
