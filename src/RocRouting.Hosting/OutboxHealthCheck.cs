using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using RocRouting.Data;

namespace RocRouting.Hosting;

/// <summary>
/// Unready when the oldest unpublished outbox message has waited longer than a minute: the broker
/// is down, or a message cannot be published, and nothing new reaches the worker.
/// </summary>
internal sealed class OutboxHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return await HealthQueries.OldestUnpublishedAsync(dataSource, cancellationToken) > MaxAge
                ? HealthCheckResult.Unhealthy("outbox backlog is not draining")
                : HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("database unreachable");
        }
    }
}
