using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>
/// Real PostgreSQL and RabbitMQ for the whole run: throw-away servers on free loopback ports
/// (started by deploy/local/servers.sh, the same script run.sh uses), or the servers named by
/// ROC_TEST_POSTGRES / ROC_TEST_RABBITMQ when both are set.
/// </summary>
public static class TestServers
{
    private static string? _dir;

    public static string PostgresAdmin { get; private set; } = "";

    public static string RabbitMqUrl { get; private set; } = "";

    public static int AmqpPort { get; private set; }

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static async Task StartAsync()
    {
        var pg = Environment.GetEnvironmentVariable("ROC_TEST_POSTGRES");
        var rabbit = Environment.GetEnvironmentVariable("ROC_TEST_RABBITMQ");
        if (!string.IsNullOrEmpty(pg) && !string.IsNullOrEmpty(rabbit))
        {
            PostgresAdmin = pg;
            RabbitMqUrl = rabbit;
            AmqpPort = new Uri(rabbit).Port;
            return;
        }

        _dir = Path.Combine(Path.GetTempPath(), $"roc-test-{Guid.NewGuid():N}"[..20]);
        var ports = FreePorts(4);
        AmqpPort = ports[1];
        await RunScriptAsync("start", _dir, new Dictionary<string, string>
        {
            ["ROC_PG_PORT"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["ROC_AMQP_PORT"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["ROC_RABBIT_DIST_PORT"] = ports[2].ToString(CultureInfo.InvariantCulture),
            ["ROC_EPMD_PORT"] = ports[3].ToString(CultureInfo.InvariantCulture),
            ["ROC_PG_FAST"] = "1",
        });
        PostgresAdmin = $"Host=127.0.0.1;Port={ports[0]};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=50";
        RabbitMqUrl = $"amqp://guest:guest@127.0.0.1:{ports[1]}/";
    }

    public static async Task StopAsync()
    {
        if (_dir is null)
        {
            return;
        }
        NpgsqlConnection.ClearAllPools();
        await RunScriptAsync("stop", _dir, []);
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

    /// <summary>A fresh, empty database on the test server; each fixture that needs isolation takes one.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];
        await using (var connection = new NpgsqlConnection(PostgresAdmin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = name }.ConnectionString;
    }

    internal static async Task RunScriptAsync(string verb, string dir, Dictionary<string, string> environment)
    {
        var script = Path.Combine(RepositoryRoot, "deploy", "local", "servers.sh");
        var start = new ProcessStartInfo("bash", [script, verb, dir])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var (k, v) in environment)
        {
            start.Environment[k] = v;
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"servers.sh {verb} did not finish in 3 minutes.");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"servers.sh {verb} failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
        }
    }

    /// <summary>Free loopback ports (free when asked; a test binds them at once).</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ =>
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            return l;
        }).ToList();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RocRouting.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("RocRouting.sln not found above the test assembly.");
    }
}
