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
    public void Takes_routing_cases_by_the_hundred_and_the_other_queues_a_few_at_a_time()
    {
        var options = App.Worker.Services.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
        var endpoints = ReceiveEndpoints(App.Worker.Services.GetRequiredService<IBusControl>().GetProbeResult().Results);
        var routingQueue = ReceiveQueues.Of(options, ReceiveQueues.RoutingConsumer);
        var notifyQueue = ReceiveQueues.Of(options, "NotifyPeople");

        Assert.Multiple(() =>
        {
            Assert.That(endpoints[routingQueue], Is.EqualTo((Limit: 300, Prefetch: 1000)));
            Assert.That(endpoints[notifyQueue], Is.EqualTo((Limit: 16, Prefetch: 200)));
            Assert.That(endpoints.Values.Select(e => e.Limit), Has.All.Not.Null, "every queue has a limit of its own, not its prefetch count");
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
