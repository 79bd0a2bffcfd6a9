namespace RocRouting.Cases;

/// <summary>
/// Wakes one background loop early from its poll: any number of wake-ups before it waits again count as
/// one, and one that comes while the loop works is kept for its next wait, so nothing is missed and
/// nothing piles up.
/// </summary>
public sealed class WakeUp : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Set()
    {
        if (_semaphore.CurrentCount > 0)
        {
            return;
        }
        try
        {
            _semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Set meanwhile by another thread: one wake-up covers both.
        }
    }

    /// <summary>Waits for a wake-up or the timeout, whichever comes first; true when woken.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _semaphore.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _semaphore.Dispose();
}
