using System.Collections.Concurrent;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>
/// Lets a test server take a request (record what it carried) and then never answer it, for one
/// recipient: what a caller sees when it dies, or is killed, while the server has its request.
/// The hold ends when the caller goes away.
/// </summary>
public sealed class HeldRequests
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _armed = new();

    /// <summary>The next request for <paramref name="key"/> is held; the task completes once one is.</summary>
    public Task HoldNextFor(string key) => _armed.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Called after the request was taken: holds it if it was armed, until the caller aborts.</summary>
    public async Task HoldIfArmedAsync(string key, CancellationToken callerGone)
    {
        if (!_armed.TryRemove(key, out var held))
        {
            return;
        }
        held.TrySetResult();
        await Task.Delay(Timeout.Infinite, callerGone).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
