using System.Globalization;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>
/// A RabbitMQ node for one test that stops and starts it (the shared broker serves every other
/// test). Same ports and data folder across restarts, so durable queues come back as they were.
/// </summary>
public sealed class OwnBroker : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"roc-broker-{Guid.NewGuid():N}"[..20]);
    private readonly Dictionary<string, string> _environment;

    private OwnBroker(int[] ports)
    {
        _environment = new()
        {
            ["ROC_SERVERS"] = "rabbitmq",
            ["ROC_AMQP_PORT"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["ROC_RABBIT_DIST_PORT"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["ROC_EPMD_PORT"] = ports[2].ToString(CultureInfo.InvariantCulture),
        };
        Url = $"amqp://guest:guest@127.0.0.1:{ports[0]}/";
    }

    public string Url { get; }

    public static async Task<OwnBroker> StartAsync()
    {
        var broker = new OwnBroker(TestServers.FreePorts(3));
        await broker.StartAgainAsync();
        return broker;
    }

    public Task StartAgainAsync() => TestServers.RunScriptAsync("start", _dir, _environment);

    public Task StopAsync() => TestServers.RunScriptAsync("stop", _dir, _environment);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A node still closing a file; the folder is in the temp area and harmless.
        }
    }
}
