using System.Net.Http.Headers;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RocRouting.Data;
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

    private RocApp(string connectionString, WebApplicationFactory<Program> api, IHost worker)
    {
        ConnectionString = connectionString;
        Api = api;
        Worker = worker;
    }

    public string ConnectionString { get; }

    public WebApplicationFactory<Program> Api { get; }

    public IHost Worker { get; }

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

    public static async Task StopSharedAsync()
    {
        if (_shared is not null)
        {
            await _shared.DisposeAsync();
            _shared = null;
        }
    }

    public static Dictionary<string, string?> Settings(string connectionString) => new()
    {
        ["ConnectionStrings:Postgres"] = connectionString,
        ["RabbitMq:Url"] = TestServers.RabbitMqUrl,
        ["Auth:Issuer"] = TestTokens.Issuer,
        ["Auth:Audience"] = TestTokens.Audience,
        ["Auth:DevelopmentSigningKey"] = TestTokens.SigningKey,
        ["Outbox:PollInterval"] = "00:00:01",
    };

    public static async Task MigrateAsync(string connectionString) =>
        await WorkerApp.MigrateAsync([.. Settings(connectionString).Select(kv => $"--{kv.Key}={kv.Value}")]);

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

    private static async Task<RocApp> StartAsync()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("roc_app");
        await MigrateAsync(connectionString);

        var consumed = new ConsumedMessages();
        var worker = BuildWorker(connectionString, consumed);
        await worker.StartAsync();

        var api = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Development");
            foreach (var (k, v) in Settings(connectionString))
            {
                web.UseSetting(k, v);
            }
        });
        _ = api.Server; // starts the host now, not inside the first test
        var app = new RocApp(connectionString, api, worker);
        consumed.CopyTo(app.Consumed);
        return app;
    }

    public static IHost BuildWorker(string connectionString, ConsumedMessages? consumed = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(Settings(connectionString));
        builder.AddRocWorker();
        if (consumed is not null)
        {
            builder.Services.AddSingleton(consumed);
            builder.Services.AddConsumeObserver<ConsumedMessages.Observer>();
        }
        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        await Worker.StopAsync();
        Worker.Dispose();
    }
}
