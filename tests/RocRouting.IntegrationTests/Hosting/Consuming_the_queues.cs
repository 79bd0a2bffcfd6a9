using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RocRouting.Hosting;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Hosting;

/// <summary>
/// How many messages the worker consumes at once on each queue, as its bus reports it. Each is a
/// dispatch loop on the queue's channel, and every delivery wakes all the idle ones, so the limit
/// is what the consumer can use, not the prefetch window (README, Performance).
/// </summary>
public sealed class Consuming_the_queues : SharedAppTest
{
    [Test]
    public void Takes_fewer_messages_at_once_than_each_queue_holds()
    {
        var options = App.Worker.Services.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
        var endpoints = ReceiveEndpoints(App.Worker.Services.GetRequiredService<IBusControl>().GetProbeResult().Results);
        var routingQueue = ReceiveQueues.Of(options, ReceiveQueues.RoutingConsumer);

        Assert.Multiple(() =>
        {
            Assert.That(options.RoutingConcurrentMessageLimit, Is.LessThan(options.RoutingPrefetchCount));
            Assert.That(options.ConcurrentMessageLimit, Is.LessThan(options.PrefetchCount));
            foreach (var (queue, _) in ReceiveQueues.All(options))
            {
                Assert.That(endpoints[queue], Is.EqualTo(queue == routingQueue
                    ? ((int?)options.RoutingConcurrentMessageLimit, (int?)options.RoutingPrefetchCount)
                    : ((int?)options.ConcurrentMessageLimit, (int?)options.PrefetchCount)), queue);
            }
            Assert.That(endpoints.Values.Select(e => e.Limit), Has.All.Not.Null, "every queue, the bus's own among them, has a limit of its own, not its prefetch count");
        });
    }

    /// <summary>Queue name to its concurrent message limit and prefetch count, from MassTransit's probe of the bus.</summary>
    private static Dictionary<string, (int? Limit, int? Prefetch)> ReceiveEndpoints(IDictionary<string, object> probe)
    {
        var found = new Dictionary<string, (int? Limit, int? Prefetch)>(StringComparer.Ordinal);
        Walk(JsonSerializer.SerializeToNode(probe));
        return found;

        void Walk(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    if (o.TryGetPropertyValue("queueName", out var queue) && o.ContainsKey("prefetchCount"))
                    {
                        found[queue!.GetValue<string>()] = ((int?)o["concurrentMessageLimit"], (int?)o["prefetchCount"]);
                    }
                    foreach (var (_, child) in o)
                    {
                        Walk(child);
                    }
                    break;
                case JsonArray a:
                    foreach (var child in a)
                    {
                        Walk(child);
                    }
                    break;
            }
        }
    }
}
