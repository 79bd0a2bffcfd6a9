using System.Globalization;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>A PostgreSQL server for one test that stops and starts it (the shared server serves every other test).</summary>
public sealed class OwnDatabaseServer : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"roc-pg-{Guid.NewGuid():N}"[..16]);
    private readonly Dictionary<string, string> _environment;
    private readonly int _port;

    private OwnDatabaseServer(int port)
    {
        _port = port;
        _environment = new()
        {
            ["ROC_SERVERS"] = "postgres",
            ["ROC_PG_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["ROC_PG_FAST"] = "1",
        };
    }

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={_port};Username=postgres;Database={database}";

    public static async Task<OwnDatabaseServer> StartAsync()
    {
        var server = new OwnDatabaseServer(TestServers.FreePorts(1)[0]);
        await server.StartAgainAsync();
        return server;
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
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
