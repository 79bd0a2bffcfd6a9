using System.Collections.Concurrent;
using RocRouting.Cases;

namespace RocRouting.Data.Outbox;

/// <summary>
/// Wakes the relay right after a commit that wrote outbox rows, so publishing does not wait for the
/// poll, and hands it the committed rows so it need not query for them.
/// </summary>
/// <remarks>
/// While a relay runs in this process, rows are written already leased for <see cref="OutboxOptions.HandOffLease"/>:
/// no relay claims them meanwhile, and this process's relay publishes them from memory the moment
/// they commit. That saves the claim's round trip per commit (the database's busiest statement at
/// moderate rates) and its latency. A process that dies before publishing them leaves them to any
/// relay once the lease ends, so nothing is lost; the rows stay the record either way.
/// </remarks>
public sealed class OutboxSignal : IDisposable
{
    private readonly WakeUp _wake = new();
    private readonly ConcurrentQueue<OutboxMessage> _handedOff = new();
    private int _relays;
    private int _rowsNotHandedOff;

    /// <summary>Whether a relay runs in this process to take committed rows from memory.</summary>
    public bool HandsOff => Volatile.Read(ref _relays) > 0;

    internal void RelayStarted() => Interlocked.Increment(ref _relays);

    internal void RelayStopped() => Interlocked.Decrement(ref _relays);

    /// <summary>Wakes the relay to claim committed rows it was not handed.</summary>
    public void Notify()
    {
        Volatile.Write(ref _rowsNotHandedOff, 1);
        _wake.Set();
    }

    /// <summary>
    /// Before <paramref name="rows"/> are written: when a relay runs in this process, leases them to it
    /// for <paramref name="lease"/> and answers true (hand them over once they commit); otherwise false
    /// (wake a relay to claim them).
    /// </summary>
    internal bool LeaseForHandOff(IReadOnlyCollection<OutboxMessage> rows, TimeSpan lease)
    {
        if (rows.Count == 0 || !HandsOff)
        {
            return false;
        }
        var ends = DateTimeOffset.UtcNow + lease;
        foreach (var row in rows)
        {
            row.NextAttemptAt = ends;
        }
        return true;
    }

    /// <summary>Gives the relay rows whose transaction has committed, and wakes it.</summary>
    internal void HandOff(IEnumerable<OutboxMessage> committed)
    {
        foreach (var row in committed)
        {
            _handedOff.Enqueue(row);
        }
        _wake.Set();
    }

    /// <summary>Takes up to <paramref name="max"/> handed-off rows.</summary>
    internal List<OutboxMessage> TakeHandedOff(int max)
    {
        var rows = new List<OutboxMessage>();
        while (rows.Count < max && _handedOff.TryDequeue(out var row))
        {
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Whether a commit since the last call left rows to claim rather than handing them over.</summary>
    internal bool TakeRowsNotHandedOff() => Interlocked.Exchange(ref _rowsNotHandedOff, 0) == 1;

    /// <summary>Waits for a notification or the timeout, whichever comes first.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _wake.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _wake.Dispose();
}
