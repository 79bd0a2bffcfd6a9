using System.Collections.Concurrent;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>
/// Lets a test server take a request (record what it carried) and then not answer it, for one
/// recipient: what a caller sees when it dies, or is killed, while the server has its request, or
/// when a server is slow. The hold ends when the caller goes away, or when the test releases it
/// (then the answer goes out).
/// </summary>
public sealed class HeldRequests
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _armed = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _holding = new();

    /// <summary>The next request for <paramref name="key"/> is held; the task completes once one is.</summary>
    public Task HoldNextFor(string key) => _armed.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Whether a request for <paramref name="key"/> is being held now.</summary>
    public bool IsHeld(string key) => _holding.ContainsKey(key);

    /// <summary>Lets the held request for <paramref name="key"/> (if any) have its answer.</summary>
    public void Release(string key)
    {
        if (_holding.TryGetValue(key, out var release))
        {
            release.TrySetResult();
        }
    }

    /// <summary>Called after the request was taken: holds it if it was armed, until the caller aborts or the test releases it.</summary>
    public async Task HoldIfArmedAsync(string key, CancellationToken callerGone)
    {
        if (!_armed.TryRemove(key, out var held))
        {
            return;
        }
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _holding[key] = release;
        held.TrySetResult();
        try
        {
            await release.Task.WaitAsync(callerGone).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            _holding.TryRemove(key, out _);
        }
    }
}
