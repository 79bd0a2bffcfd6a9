namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>
/// A server for one test that stops and starts it (the shared servers serve every other test), run by
/// deploy/local/servers.sh limited to it. Same ports and data folder across restarts, so it comes back
/// as it was.
/// </summary>
public abstract class OwnServer(string name, Dictionary<string, string> environment) : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"roc-{name}-{Guid.NewGuid():N}"[..24]);

    /// <summary>Where servers.sh keeps this server's data.</summary>
    protected string DataDirectory => _dir;

    public Task StartAgainAsync() => TestServers.RunScriptAsync("start", _dir, environment);

    public Task StopAsync() => TestServers.RunScriptAsync("stop", _dir, environment);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        GC.SuppressFinalize(this);
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A server still closing a file; the folder is in the temp area and harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
