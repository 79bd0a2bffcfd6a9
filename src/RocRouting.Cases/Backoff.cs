namespace RocRouting.Cases;

/// <summary>
/// The one retry schedule of the service's durable retries (outbox publishing, webhook deliveries):
/// exponential from <c>first</c>, capped at <c>max</c>, with "equal jitter" (half fixed, half random),
/// so a retry never comes sooner than half the step and processes that failed together spread out.
/// </summary>
public static class Backoff
{
    public static TimeSpan Exponential(int attempt, TimeSpan first, TimeSpan max, Random? random = null)
    {
        var exponential = first.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 20));
        var capped = Math.Min(exponential, max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((capped / 2) + ((random ?? Random.Shared).NextDouble() * capped / 2));
    }
}
