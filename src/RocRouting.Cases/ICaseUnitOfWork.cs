namespace RocRouting.Cases;

/// <summary>
/// What a transition writes to: the caller's unit of work (the DbContext), so the status change, the
/// timeline event, the outbox message and the audit entry of one transition commit together or not at all.
/// </summary>
public interface ICaseUnitOfWork
{
    /// <summary>Adds a new row (route, event, acknowledgement, deadline, inbox item, delivery, audit entry).</summary>
    void Add<TEntity>(TEntity entity) where TEntity : class;

    /// <summary>Adds a message to publish once the unit of work commits, under an id a retry reproduces.</summary>
    void Enqueue<T>(T message, Guid messageId, DateTimeOffset now, string? traceParent = null) where T : class;
}
