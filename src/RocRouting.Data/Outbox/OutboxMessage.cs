namespace RocRouting.Data.Outbox;

/// <summary>
/// A message waiting to be published, written in the same transaction as the state change it
/// announces. Its id is the message id on the bus, so a consumer can recognise a repeat.
/// </summary>
public sealed class OutboxMessage
{
    public Guid Id { get; set; }

    public required string MessageType { get; set; }

    public required string Payload { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>W3C traceparent of the transaction that wrote the row, so the publish continues its trace.</summary>
    public string? TraceParent { get; set; }

    public DateTimeOffset? DispatchedAt { get; set; }

    public int Attempts { get; set; }

    /// <summary>Null means as soon as possible; set by a relay's lease while it publishes, and after a failed attempt.</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    public string? LastError { get; set; }

    /// <summary>
    /// The message itself, while the row is in the memory of the process that wrote it: the relay
    /// publishes a handed-off row from it rather than decode the payload just encoded. Not stored; a row
    /// read from the table has none. Contracts are immutable records, so it is what the payload says.
    /// </summary>
    internal (object Message, Type Type)? Written { get; private init; }

    /// <summary>The row for <paramref name="message"/>, traced to the current activity unless a trace is given.</summary>
    public static OutboxMessage For<T>(T message, Guid messageId, DateTimeOffset now, string? traceParent = null) where T : class => new()
    {
        Id = messageId,
        MessageType = OutboxSerializer.TypeName(typeof(T)),
        Payload = OutboxSerializer.Serialize(message),
        CreatedAt = now,
        TraceParent = traceParent ?? System.Diagnostics.Activity.Current?.Id,
        Written = (message, typeof(T)),
    };
}
