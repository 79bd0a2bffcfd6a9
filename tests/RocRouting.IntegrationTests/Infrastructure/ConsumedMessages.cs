using System.Collections.Concurrent;
using MassTransit;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>Records which messages the worker has finished consuming, so a test can wait for one.</summary>
public sealed class ConsumedMessages
{
    private ConcurrentDictionary<Guid, int> _byMessageId = new();

    public int Count(Guid messageId) => _byMessageId.GetValueOrDefault(messageId);

    internal void CopyTo(ConsumedMessages other) => other._byMessageId = _byMessageId;

    private void Add(Guid? messageId)
    {
        if (messageId is { } id)
        {
            _byMessageId.AddOrUpdate(id, 1, (_, n) => n + 1);
        }
    }

    public sealed class Observer(ConsumedMessages sink) : IConsumeObserver
    {
        public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

        public Task PostConsume<T>(ConsumeContext<T> context) where T : class
        {
            sink.Add(context.MessageId);
            return Task.CompletedTask;
        }

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;
    }
}
