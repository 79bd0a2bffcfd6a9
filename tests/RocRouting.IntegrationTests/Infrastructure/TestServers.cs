using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>
/// Real PostgreSQL and RabbitMQ for the whole run, in one of three ways: the servers named by
/// ROC_TEST_POSTGRES / ROC_TEST_RABBITMQ when both are set; otherwise containers (Testcontainers)
/// when a Docker engine answers; otherwise throw-away processes on free loopback ports, started by
/// deploy/local/servers.sh (the same script run.sh uses). ROC_TEST_SERVERS=containers|processes
/// overrides the choice. The build machines have no Docker engine, so CI takes the process path.
/// </summary>
public static class TestServers
{
    public const string ModeVariable = "ROC_TEST_SERVERS";

    private static string? _dir;
    private static PostgreSqlContainer? _postgresContainer;
    private static RabbitMqContainer? _rabbitContainer;

    public static string PostgresAdmin { get; private set; } = "";

    /// <summary>The role that owns each test database and runs the migrate step (not a superuser).</summary>
    public const string OwnerRole = "roc_owner";

    /// <summary>The role the API and the worker connect as, granted data access by the migrate step.</summary>
    public const string ApplicationRole = "roc_app";

    // Throw-away servers on loopback: the passwords only keep the roles apart, they guard nothing.
    private const string OwnerPassword = "roc-owner-test";
    private const string ApplicationPassword = "roc-app-test";

    public static string RabbitMqUrl { get; private set; } = "";

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static async Task StartAsync()
    {
        var pg = Environment.GetEnvironmentVariable("ROC_TEST_POSTGRES");
        var rabbit = Environment.GetEnvironmentVariable("ROC_TEST_RABBITMQ");
        if (!string.IsNullOrEmpty(pg) && !string.IsNullOrEmpty(rabbit))
        {
            PostgresAdmin = pg;
            RabbitMqUrl = rabbit;
        }
        else
        {
            await StartServersAsync();
        }
        await CreateRolesAsync(PostgresAdmin);
    }

    private static async Task StartServersAsync()
    {
        var mode = Environment.GetEnvironmentVariable(ModeVariable) ?? (DockerEngineAnswers() ? "containers" : "processes");
        switch (mode)
        {
            case "containers":
                await StartContainersAsync();
                break;
            case "processes":
                await StartProcessesAsync();
                break;
            default:
                throw new InvalidOperationException($"{ModeVariable} must be 'containers' or 'processes', not '{mode}'.");
        }
    }

    /// <summary>The path for developer machines with Docker: the same server versions the distribution gives the process path.</summary>
    private static async Task StartContainersAsync()
    {
        _postgresContainer = new PostgreSqlBuilder("postgres:15")
            // As the process path: durability is not what the tests are about, speed is.
            .WithCommand("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "max_connections=300")
            .Build();
        _rabbitContainer = new RabbitMqBuilder("rabbitmq:3.10").Build();
        await Task.WhenAll(_postgresContainer.StartAsync(), _rabbitContainer.StartAsync());
        PostgresAdmin = new NpgsqlConnectionStringBuilder(_postgresContainer.GetConnectionString()) { Database = "postgres", Pooling = true, MaxPoolSize = 50 }.ConnectionString;
        RabbitMqUrl = _rabbitContainer.GetConnectionString();
    }

    private static async Task StartProcessesAsync()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"roc-test-{Guid.NewGuid():N}"[..20]);
        var ports = FreePorts(4);
        await RunScriptAsync("start", _dir, new Dictionary<string, string>
        {
            ["ROC_PG_PORT"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["ROC_AMQP_PORT"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["ROC_RABBIT_DIST_PORT"] = ports[2].ToString(CultureInfo.InvariantCulture),
            ["ROC_EPMD_PORT"] = ports[3].ToString(CultureInfo.InvariantCulture),
            ["ROC_PG_FAST"] = "1",
        });
        PostgresAdmin = $"Host=127.0.0.1;Port={ports[0]};Username=postgres;Password={SuperuserPassword(_dir)};Database=postgres;Pooling=true;Maximum Pool Size=50";
        RabbitMqUrl = $"amqp://guest:guest@127.0.0.1:{ports[1]}/";
    }

    /// <summary>A Docker engine on DOCKER_HOST, or on the default socket, that accepts a connection.</summary>
    private static bool DockerEngineAnswers()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrEmpty(host))
        {
            return true;
        }
        const string socketPath = "/var/run/docker.sock";
        if (!File.Exists(socketPath))
        {
            return false;
        }
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static async Task StopAsync()
    {
        foreach (var container in new IAsyncDisposable?[] { _postgresContainer, _rabbitContainer })
        {
            if (container is not null)
            {
                await container.DisposeAsync();
            }
        }
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

    /// <summary>The owner and application roles, as an operator makes them: LOGIN and nothing else.</summary>
    public static async Task CreateRolesAsync(string adminConnectionString)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        foreach (var (role, password) in new[] { (OwnerRole, OwnerPassword), (ApplicationRole, ApplicationPassword) })
        {
            await using var command = new NpgsqlCommand($"""
                DO $$ BEGIN
                    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                        CREATE ROLE {role} LOGIN PASSWORD '{password}';
                    END IF;
                END $$
                """, connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>
    /// A fresh, empty database on the test server, owned by <see cref="OwnerRole"/>; each fixture that
    /// needs isolation takes one. The connection string is the owner's (for the migrate step).
    /// </summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];
        await using (var connection = new NpgsqlConnection(PostgresAdmin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" OWNER {OwnerRole}", connection);
            await command.ExecuteNonQueryAsync();
        }
        return AsOwner(new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = name }.ConnectionString);
    }

    /// <summary>The same database as <paramref name="connectionString"/>, as the schema's owner.</summary>
    public static string AsOwner(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Username = OwnerRole, Password = OwnerPassword }.ConnectionString;

    /// <summary>The same database as <paramref name="connectionString"/>, as the serving processes connect.</summary>
    public static string AsApplication(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Username = ApplicationRole, Password = ApplicationPassword }.ConnectionString;

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

    /// <summary>The superuser's password servers.sh generated for the server whose data is in <paramref name="dir"/>.</summary>
    public static string SuperuserPassword(string dir) => File.ReadAllText(Path.Combine(dir, "postgres-password")).Trim();

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
