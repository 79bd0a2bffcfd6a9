using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RocRouting.Api.Health;

/// <summary>
/// Readiness evaluated at most once per <see cref="MaxAge"/>, however often it is asked. The probe is
/// anonymous and not rate limited (an orchestrator must always reach it), and each evaluation runs
/// database queries: cached, a flood of probes costs a dictionary read each, not three queries each.
/// Callers arriving while an evaluation runs share it, however long it takes (a database that hangs
/// must not collect one evaluation per second of hanging).
/// </summary>
public sealed class CachedReadiness(HealthCheckService health, TimeProvider time)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private Task<HealthStatus>? _status;
    private DateTimeOffset _evaluatedAt;

    public Task<HealthStatus> StatusAsync()
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (_status is null || (_status.IsCompleted && now - _evaluatedAt >= MaxAge))
            {
                _status = EvaluateAsync();
                _evaluatedAt = now;
            }
            return _status;
        }
    }

    private async Task<HealthStatus> EvaluateAsync()
    {
        // Not the caller's token: the evaluation is shared, and one caller hanging up must not fail the rest.
        var report = await health.CheckHealthAsync(c => c.Tags.Contains("ready"), CancellationToken.None);
        return report.Status;
    }
}
