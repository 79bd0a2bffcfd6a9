using MassTransit;
using RocRouting.Contracts;
using RocRouting.Worker.Delivery;
using RocRouting.Data;
using RocRouting.Hosting;

namespace RocRouting.Worker;

/// <summary>The worker's composition, shared by Program and the integration tests.</summary>
public static class WorkerApp
{
    public static void RegisterConsumers(IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<RouteCaseConsumer>();

    public static HostApplicationBuilder AddRocWorker(this HostApplicationBuilder builder)
    {
        builder.AddRocDefaults();
        builder.AddRocBus(RegisterConsumers);
        builder.Services.AddOutboxRelay();
        builder.Services.AddOptions<DeadlineOptions>().BindConfiguration("Deadlines");
        builder.Services.AddSingleton<DeadlineWatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeadlineWatcher>());
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration("Retention");
        builder.Services.AddHostedService<RetentionJob>();
        builder.Services.AddOptions<WebhookResilienceOptions>().BindConfiguration("Delivery:Resilience");
        builder.Services.AddSingleton<WebhookPipelines>();
        builder.Services.AddHttpClient(DeliveryWorker.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        builder.Services.AddHostedService<DeliveryWorker>();
        builder.Services.AddRocWarmUp(typeof(CaseRouted));
        return builder;
    }

    /// <summary>
    /// The explicit migrate step: applies database migrations and declares the broker topology
    /// (exchanges, queues, bindings), so nothing published before the first worker starts is dropped.
    /// </summary>
    public static async Task<int> MigrateAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddRocLogging();
        // EF logs its probe of the not-yet-existing history table as an error on a first migration.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.None);
        builder.Services.AddRocData();
        builder.Services.AddSingleton(TimeProvider.System);
        // Consumers are registered to declare their queues; their dependencies must resolve too.
        builder.AddRocRoutingConfiguration();
        builder.AddRocBus(RegisterConsumers, deployTopologyOnly: true);
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("RocRouting.Migrate");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await HostingExtensions.MigrateDatabaseAsync(host.Services, timeout.Token);
        logger.LogInformation("Database migrated");
        await host.Services.GetRequiredService<IBusControl>().DeployAsync(timeout.Token);
        logger.LogInformation("Broker topology deployed");
        return 0;
    }
}
