using System.Net;
using System.Net.Http.Headers;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RocRouting.Data;
using RocRouting.Data.Privacy;
using RocRouting.Worker;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>
/// The service under test, once per run: the API (in-process HTTP, real pipeline) and the worker,
/// both on the run's real PostgreSQL and RabbitMQ, after the same migrate step run.sh uses.
/// </summary>
public sealed class RocApp : IAsyncDisposable
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static RocApp? _shared;

    private readonly List<IHost> _extraWorkers = [];

    private RocApp(string connectionString, Dictionary<string, string?> settings, TimeProvider? clock, WebApplicationFactory<Program> api, IHost worker)
    {
        ConnectionString = connectionString;
        _settings = settings;
        Clock = clock;
        Api = api;
        Worker = worker;
    }

    private readonly Dictionary<string, string?> _settings;

    /// <summary>A copy of the configuration both processes run with, for a command run beside them.</summary>
    public Dictionary<string, string?> Configuration => new(_settings);

    public PersonalDataProtector Protector => Api.Services.GetRequiredService<PersonalDataProtector>();

    /// <summary>The application role's connection, as the API and the worker have it.</summary>
    public string ConnectionString { get; }

    /// <summary>The clock both processes read, when the app was started with one.</summary>
    public TimeProvider? Clock { get; }

    public WebApplicationFactory<Program> Api { get; }

    /// <summary>Where a browser reaches the API (only when started with a real server).</summary>
    public Uri BaseAddress => AddressOf(Api);

    public IHost Worker { get; private set; }

    public ConsumedMessages Consumed { get; } = new();

    public static async Task<RocApp> SharedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _shared ??= await StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    private static RocApp? _clocked;

    /// <summary>A second app, started once, whose API and worker read a <see cref="ManualClock"/>.</summary>
    public static async Task<RocApp> ClockedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _clocked ??= await StartAsync(new ManualClock(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero)), prefix: "clocked.");
        }
        finally
        {
            Gate.Release();
        }
    }

    public ManualClock ManualClock => (ManualClock)Clock!;

    private static RocApp? _console;

    /// <summary>
    /// The app the browser tests drive: a real socket, and a clock stopped at night (Monday 01:00 in
    /// Stockholm), so where a case goes does not depend on when the suite runs.
    /// </summary>
    public static async Task<RocApp> ConsoleAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _console ??= await StartAsync(new ManualClock(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero)), prefix: "console.", realServer: true);
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task StopSharedAsync()
    {
        foreach (var app in new[] { _shared, _clocked, _console })
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
        }
        _shared = null;
        _clocked = null;
        _console = null;
    }

    public static Dictionary<string, string?> Settings(string connectionString, string? prefix = null) => new()
    {
        ["RabbitMq:Prefix"] = prefix,
        ["Deadlines:PollInterval"] = "00:00:00.050",
        ["Retention:Interval"] = "00:00:00.100",
        ["UnroutedCases:Interval"] = "00:00:00.500",
        // Tests poll as fast as they can under one subject; the limit has a test of its own.
        ["RateLimiting:PermitsPerMinute"] = "1000000",
        ["ConnectionStrings:Postgres"] = connectionString,
        ["RabbitMq:Url"] = TestServers.RabbitMqUrl,
        ["Auth:Issuer"] = TestTokens.Issuer,
        ["Auth:Audience"] = TestTokens.Audience,
        ["Auth:DevelopmentSigningKey"] = TestTokens.SigningKey,
        ["Outbox:PollInterval"] = "00:00:01",
        ["SelfMonitoring:Interval"] = "00:00:00.200",
        ["PersonalData:HashKey"] = "dGVzdC1jaGlsZC1rZXktZm9yLXJvY3JvdXRpbmctdGVzdHMtb25seQ==",
        ["PersonalData:CurrentKeyId"] = "test-1",
        ["PersonalData:EncryptionKeys:test-1"] = TestKeys.First,
        ["Notifications:PollInterval"] = "00:00:00.100",
        ["Notifications:FirstRetry"] = "00:00:00.200",
        ["Notifications:Push:VapidSubject"] = "mailto:drift@rocrouting.invalid",
        ["Notifications:Push:VapidPublicKey"] = TestKeys.VapidPublic,
        ["Notifications:Push:VapidPrivateKey"] = TestKeys.VapidPrivate,
    };

    /// <summary>
    /// The migrate step as run.sh and compose run it: as the schema's owner, granting the application
    /// role (Development: the container validates every registration).
    /// </summary>
    public static async Task MigrateAsync(Dictionary<string, string?> settings)
    {
        var asOwner = new Dictionary<string, string?>(settings)
        {
            ["ConnectionStrings:Postgres"] = TestServers.AsOwner(settings["ConnectionStrings:Postgres"]!),
            [DatabaseRoles.ApplicationRoleSetting] = TestServers.ApplicationRole,
        };
        await WorkerApp.MigrateAsync([.. CommandLine(asOwner), "--environment=Development"]);
    }

    /// <summary>Settings as the command-line arguments of a worker verb (migrate, rotate-keys).</summary>
    public static string[] CommandLine(Dictionary<string, string?> settings) =>
        [.. settings.Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}")];

    public HttpClient Client(string? token = null)
    {
        var client = Api.CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    public async Task<T> WithDbAsync<T>(Func<RocDbContext, Task<T>> query)
    {
        await using var scope = Worker.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<RocDbContext>());
    }

    public IBus Bus => Worker.Services.GetRequiredService<IBus>();

    /// <summary>
    /// A service of its own: its own database, its own exchanges and queues (a prefix on the shared
    /// broker) and, when given, a clock the test moves. For tests that need time under control.
    /// </summary>
    public static async Task<RocApp> StartAsync(
        TimeProvider? clock = null, string? prefix = null, Dictionary<string, string?>? extraSettings = null, bool realServer = false)
    {
        var connectionString = TestServers.AsApplication(await TestServers.CreateDatabaseAsync("roc_app"));
        var settings = Settings(connectionString, prefix);
        foreach (var (k, v) in extraSettings ?? [])
        {
            settings[k] = v;
        }
        await MigrateAsync(settings);

        var consumed = new ConsumedMessages();
        var worker = BuildWorker(settings, clock, consumed);
        await worker.StartAsync();

        var api = BuildApi(settings, clock, realServer);
        var app = new RocApp(connectionString, settings, clock, api, worker);
        consumed.CopyTo(app.Consumed);
        return app;
    }

    /// <summary>
    /// Another API instance on this app's database and queues (a second instance behind a load
    /// balancer, or one with other settings), on a real socket; the caller disposes it. With
    /// <paramref name="realClock"/> it reads the wall clock, not this app's clock (a browser drops a
    /// cookie whose expiry lies in its past).
    /// </summary>
    public WebApplicationFactory<Program> StartAnotherApi(Dictionary<string, string?> extraSettings, bool realClock = false, int port = 0)
    {
        var settings = Configuration;
        foreach (var (k, v) in extraSettings)
        {
            settings[k] = v;
        }
        return BuildApi(settings, realClock ? null : Clock, realServer: true, port);
    }

    private static WebApplicationFactory<Program> BuildApi(Dictionary<string, string?> settings, TimeProvider? clock, bool realServer, int port = 0)
    {
        var api = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Development");
            foreach (var (k, v) in settings.Where(kv => kv.Value is not null))
            {
                web.UseSetting(k, v);
            }
            web.ConfigureTestServices(services =>
            {
                services.AddSingleton(Captured.LoggerProvider);
                if (clock is not null)
                {
                    services.AddSingleton(clock);
                }
            });
        });
        if (realServer)
        {
            // A browser needs a real socket: Kestrel on a free loopback port instead of the in-memory server.
            api.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        }
        api.StartServer(); // starts the host now, not inside the first test
        return api;
    }

    /// <summary>A loopback port free now, for an instance that must come back on the same address.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Where a browser reaches an API started on a real socket.</summary>
    public static Uri AddressOf(WebApplicationFactory<Program> api) =>
        LoopbackServer.AddressOf(api.Services);

    public static IHost BuildWorker(Dictionary<string, string?> settings, TimeProvider? clock = null, ConsumedMessages? consumed = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddRocWorker();
        builder.Logging.AddProvider(Captured.LoggerProvider);
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }
        if (consumed is not null)
        {
            builder.Services.AddSingleton(consumed);
            builder.Services.AddConsumeObserver<ConsumedMessages.Observer>();
        }
        return builder.Build();
    }

    /// <summary>Stops the worker (a crash or a deploy), runs <paramref name="whileStopped"/>, and starts a new one.</summary>
    public async Task RestartWorkerAsync(Func<Task> whileStopped)
    {
        await Worker.StopAsync();
        Worker.Dispose();
        await whileStopped();
        Worker = BuildWorker(_settings, Clock, Consumed);
        await Worker.StartAsync();
    }

    /// <summary>Starts another worker instance on the same database and queues.</summary>
    public async Task<IHost> StartExtraWorkerAsync()
    {
        var worker = BuildWorker(_settings, Clock);
        await worker.StartAsync();
        _extraWorkers.Add(worker);
        return worker;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var extra in _extraWorkers)
        {
            await extra.StopAsync();
            extra.Dispose();
        }
        await Api.DisposeAsync();
        await Worker.StopAsync();
        Worker.Dispose();
    }
}
