using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using RocRouting.Cases;

namespace RocRouting.Worker.Notifications;

/// <summary>
/// Wakes the sender when notifications were planned, so the first goes out at once rather than at the
/// next poll, and hands it the notifications a routing transaction planned once they commit.
/// </summary>
/// <remarks>
/// While the sender runs in this process, the routing writer writes its notifications already leased
/// to it (the first attempt counted) and hands them over at commit, so the sender does not lease them
/// again: at moderate rates that lease was an <c>UPDATE</c> and a commit per notification (README,
/// Performance). A process that dies before sending them leaves them to any sender once the lease
/// ends, so nothing is lost; the rows stay the record either way. A backlog is not held in memory:
/// beyond <see cref="MaxHandedOff"/> waiting, notifications are written unleased and the sender leases
/// them as before.
/// </remarks>
public sealed class NotificationSignal(IOptions<NotificationOptions> options) : IDisposable
{
    /// <summary>Notifications waiting in memory at most (each stays leased, unsent, while it waits).</summary>
    public const int MaxHandedOff = 256;

    private readonly WakeUp _wake = new();
    private readonly ConcurrentQueue<Notification> _handedOff = new();
    private int _waiting;
    private int _senders;
    private int _toLease;

    /// <summary>Whether a sender runs in this process to take committed notifications from memory.</summary>
    public bool HandsOff => Volatile.Read(ref _senders) > 0;

    internal void SenderStarted() => Interlocked.Increment(ref _senders);

    internal void SenderStopped() => Interlocked.Decrement(ref _senders);

    /// <summary>Wakes the sender to lease what is due now: committed notifications it was not handed.</summary>
    public void Wake()
    {
        Volatile.Write(ref _toLease, 1);
        _wake.Set();
    }

    /// <summary>
    /// Before <paramref name="planned"/> are written: when this process's sender can take them from
    /// memory, leases them to it (their first attempt) and answers true (hand them over once they
    /// commit); otherwise false (wake the sender after the commit, to lease them).
    /// </summary>
    public bool LeaseForHandOff(IReadOnlyCollection<Notification> planned, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(planned);
        if (planned.Count == 0 || !HandsOff || Volatile.Read(ref _waiting) + planned.Count > MaxHandedOff)
        {
            return false;
        }
        foreach (var notification in planned)
        {
            notification.LeaseUntil = now + options.Value.Lease;
            notification.Attempts = 1;
        }
        return true;
    }

    /// <summary>Gives the sender notifications whose transaction has committed, and wakes it.</summary>
    public void HandOff(IReadOnlyCollection<Notification> committed)
    {
        ArgumentNullException.ThrowIfNull(committed);
        foreach (var notification in committed)
        {
            _handedOff.Enqueue(notification);
        }
        Interlocked.Add(ref _waiting, committed.Count);
        _wake.Set();
    }

    /// <summary>
    /// Takes up to <paramref name="max"/> handed-over notifications. One that waited in memory through
    /// half its lease is left to any sender's lease instead: sending it now could meet a second send
    /// once the lease ends.
    /// </summary>
    internal List<Notification> TakeHandedOff(int max, DateTimeOffset now)
    {
        var taken = new List<Notification>();
        var keepUntil = now + options.Value.Lease / 2;
        while (taken.Count < max && _handedOff.TryDequeue(out var notification))
        {
            Interlocked.Decrement(ref _waiting);
            if (notification.LeaseUntil > keepUntil)
            {
                taken.Add(notification);
            }
        }
        return taken;
    }

    /// <summary>Whether a wake-up since the last call asked for a lease of due notifications.</summary>
    internal bool TakeLeaseRequest() => Interlocked.Exchange(ref _toLease, 0) == 1;

    /// <summary>
    /// Waits for the sender's next round: until a wake-up or the poll interval. A wake-up sooner than
    /// <see cref="NotificationOptions.RoundSpacing"/> after the last round started waits out the rest
    /// of it, so what else is planned meanwhile joins that round.
    /// </summary>
    /// <param name="lastRoundStarted">A <see cref="Stopwatch"/> timestamp.</param>
    public async Task WaitForRoundAsync(long lastRoundStarted, CancellationToken cancellationToken)
    {
        await ((Task)_wake.WaitAsync(options.Value.PollInterval, cancellationToken)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var early = options.Value.RoundSpacing - Stopwatch.GetElapsedTime(lastRoundStarted);
        if (early > TimeSpan.Zero)
        {
            await Task.Delay(early, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose() => _wake.Dispose();
}
