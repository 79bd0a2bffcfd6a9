using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

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
            await using var command = dataSource.CreateCommand(
                "SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM outbox_messages WHERE dispatched_at IS NULL");
            var seconds = Convert.ToDouble(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            return seconds > MaxAge.TotalSeconds
                ? HealthCheckResult.Unhealthy("outbox backlog is not draining")
                : HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("database unreachable");
        }
    }
}
