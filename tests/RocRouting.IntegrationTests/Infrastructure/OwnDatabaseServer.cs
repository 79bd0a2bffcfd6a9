using System.Globalization;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>A PostgreSQL server for one test that stops and starts it.</summary>
public sealed class OwnDatabaseServer : OwnServer
{
    private readonly int _port;

    private OwnDatabaseServer(int port)
        : base("pg", new()
        {
            ["ROC_SERVERS"] = "postgres",
            ["ROC_PG_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["ROC_PG_FAST"] = "1",
        }) =>
        _port = port;

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={_port};Username=postgres;Password={TestServers.SuperuserPassword(DataDirectory)};Database={database}";

    public static async Task<OwnDatabaseServer> StartAsync()
    {
        var server = new OwnDatabaseServer(TestServers.FreePorts(1)[0]);
        await server.StartAgainAsync();
        return server;
    }
}
