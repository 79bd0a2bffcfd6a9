using System.Globalization;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>A RabbitMQ node for one test that stops and starts it; durable queues come back as they were.</summary>
public sealed class OwnBroker : OwnServer
{
    private OwnBroker(int[] ports)
        : base("broker", new()
        {
            ["ROC_SERVERS"] = "rabbitmq",
            ["ROC_AMQP_PORT"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["ROC_RABBIT_DIST_PORT"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["ROC_EPMD_PORT"] = ports[2].ToString(CultureInfo.InvariantCulture),
        }) =>
        Url = $"amqp://guest:guest@127.0.0.1:{ports[0]}/";

    public string Url { get; }

    public static async Task<OwnBroker> StartAsync()
    {
        var broker = new OwnBroker(TestServers.FreePorts(3));
        await broker.StartAgainAsync();
        return broker;
    }
}
