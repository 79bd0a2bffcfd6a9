using System.Collections.Concurrent;
using MassTransit;

namespace RocRouting.IntegrationTests.Outbox;

/// <summary>A test-only message relayed through the real outbox and broker.</summary>
public sealed record RelayProbe(int Number);

public sealed class RelayProbeSink
{
    public ConcurrentDictionary<Guid, int> Received { get; } = new();

    /// <summary>What each message said, by message id.</summary>
    public ConcurrentDictionary<Guid, int> Numbers { get; } = new();

    public int Deliveries => Received.Values.Sum();
}

public sealed class RelayProbeConsumer(RelayProbeSink sink) : IConsumer<RelayProbe>
{
    public Task Consume(ConsumeContext<RelayProbe> context)
    {
        sink.Numbers[context.MessageId!.Value] = context.Message.Number;
        sink.Received.AddOrUpdate(context.MessageId!.Value, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }
}
