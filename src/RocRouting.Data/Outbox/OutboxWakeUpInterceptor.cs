using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace RocRouting.Data.Outbox;

/// <summary>
/// Wakes the relay once outbox rows are committed (after SaveChanges when it ran in its own
/// transaction, or after the explicit transaction commits) and hands it those rows.
/// </summary>
/// <remarks>
/// Rows are handed over only when the transaction they were saved in commits: a row that never
/// committed must never be published. Anything in doubt (a failed save, a transaction rolled back or
/// abandoned) is dropped from memory; its committed rows, if any, are published by a claim once
/// their hand-off lease ends.
/// </remarks>
public sealed class OutboxWakeUpInterceptor(OutboxSignal signal, IOptions<OutboxOptions> options)
    : ISaveChangesInterceptor, IDbTransactionInterceptor
{
    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Mark(eventData.Context);
        return result;
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Mark(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        NotifyIfCommitted(eventData.Context);
        return result;
    }

    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        NotifyIfCommitted(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public void SaveChangesFailed(DbContextErrorEventData eventData) => Clear(eventData.Context);

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Clear(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => NotifyIfOurs(eventData.Context, transaction);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        NotifyIfOurs(eventData.Context, transaction);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Clear(eventData.Context);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Clear(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => Clear(eventData.Context);

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Clear(eventData.Context);
        return Task.CompletedTask;
    }

    private void Mark(DbContext? context)
    {
        if (context is not RocDbContext roc)
        {
            return;
        }
        var transaction = context.Database.CurrentTransaction?.GetDbTransaction();
        if (!ReferenceEquals(roc.OutboxTransaction, transaction))
        {
            // Rows saved under another transaction that never reported its commit: not ours to publish.
            Clear(roc);
            roc.OutboxTransaction = transaction;
        }
        // Every row still to insert (a save retried after a failure marks its rows again). A message no
        // process publishes (Outbox:PublishCaseRouted) is not written at all, as RowBatch does not write it.
        var added = new List<OutboxMessage>();
        foreach (var entry in context.ChangeTracker.Entries<OutboxMessage>().Where(e => e.State == EntityState.Added).ToList())
        {
            if (options.Value.Publishes(entry.Entity.MessageType))
            {
                added.Add(entry.Entity);
            }
            else
            {
                entry.State = EntityState.Detached;
            }
        }
        roc.OutboxPending |= added.Count > 0;
        if (signal.LeaseForHandOff(added, options.Value.HandOffLease))
        {
            roc.OutboxRows.AddRange(added);
        }
    }

    private void NotifyIfCommitted(DbContext? context)
    {
        if (context?.Database.CurrentTransaction is null)
        {
            NotifyPending(context);
        }
    }

    /// <summary>
    /// After the commit of the transaction the rows were saved in. A save outside one runs in a
    /// transaction of SaveChanges' own, whose commit comes first and is left to <see cref="SavedChanges"/>.
    /// </summary>
    private void NotifyIfOurs(DbContext? context, DbTransaction committed)
    {
        if (context is RocDbContext { OutboxTransaction: { } saved } && ReferenceEquals(saved, committed))
        {
            NotifyPending(context);
        }
    }

    /// <summary>Called only once the transaction the rows were saved in has committed (the callers check which).</summary>
    private void NotifyPending(DbContext? context)
    {
        if (context is not RocDbContext { OutboxPending: true } roc)
        {
            return;
        }
        if (roc.OutboxRows.Count > 0)
        {
            signal.HandOff(roc.OutboxRows);
        }
        else
        {
            signal.Notify();
        }
        Clear(roc);
    }

    private static void Clear(DbContext? context)
    {
        if (context is RocDbContext roc)
        {
            roc.OutboxPending = false;
            roc.OutboxRows.Clear();
            roc.OutboxTransaction = null;
        }
    }
}
