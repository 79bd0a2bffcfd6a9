using Microsoft.Extensions.Options;
using MassTransit;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Data.Privacy;
using RocRouting.Hosting;
using RocRouting.Worker.Delivery;
using RocRouting.Worker.Notifications;

namespace RocRouting.Worker;

/// <summary>The worker's composition, shared by Program and the integration tests.</summary>
public static partial class WorkerApp
{
    public static void RegisterConsumers(IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<RouteCaseConsumer>();
        bus.AddConsumer<HeartbeatConsumer>();
        bus.AddConsumer<NotifyPeopleConsumer>();
    }

    public static HostApplicationBuilder AddRocWorker(this HostApplicationBuilder builder)
    {
        builder.AddRocDefaults();
        builder.AddRocBus(RegisterConsumers);
        builder.Services.AddSingleton<CaseRouter>();
        builder.Services.AddOutboxRelay();
        builder.Services.AddOptions<DeadlineOptions>().BindConfiguration("Deadlines");
        builder.Services.AddSingleton<DeadlineWatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeadlineWatcher>());
        builder.Services.AddOptions<UnroutedCaseOptions>().BindConfiguration("UnroutedCases");
        builder.Services.AddHostedService<UnroutedCaseSweeper>();
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration("Retention");
        builder.Services.AddHostedService<RetentionJob>();
        // The client factory logs each request's start and end with its URL, at Information: four lines
        // per push naming a person's browser at its push service, and a recipient's address per delivery.
        // Outcomes are logged where they are decided (a failed notification, a dead-lettered delivery).
        builder.Services.ConfigureHttpClientDefaults(http => http.RemoveAllLoggers());
        builder.Services.AddOptions<WebhookResilienceOptions>().BindConfiguration("Delivery:Resilience");
        builder.Services.AddSingleton<WebhookPipelines>();
        builder.Services.AddHttpClient(DeliveryWorker.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        builder.Services.AddHostedService<DeliveryWorker>();
        builder.AddNotifications();
        // The router plans every case's notifications: the rosters it reads are kept until one changes.
        builder.Services.AddRosterChangeListener();
        builder.Services.AddOptions<SelfMonitoringOptions>().BindConfiguration("SelfMonitoring");
        builder.Services.AddHostedService<SelfMonitor>();
        builder.Services.AddRocWarmUp(typeof(CaseRouted));
        return builder;
    }

    /// <summary>Planning whom a step of a case must reach (the router, the deadline watcher and the consumer of later steps plan; the signal wakes the sender).</summary>
    private static void AddNotificationPlanningAndSignal(this IServiceCollection services)
    {
        services.AddSingleton<NotificationSignal>();
        services.AddNotificationPlanning();
    }

    /// <summary>Reaching people: planning notifications from the case's steps, and sending them.</summary>
    private static void AddNotifications(this HostApplicationBuilder builder)
    {
        builder.Services.AddOptions<NotificationOptions>().BindConfiguration("Notifications");
        // Push subscriptions are sealed personal data: the worker opens them to send.
        builder.Services.AddPersonalDataProtection();
        builder.Services.AddOptions<PushOptions>().BindConfiguration(PushOptions.Section);
        builder.Services.AddNotificationPlanningAndSignal();
        builder.Services.AddHttpClient(NotificationSender.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        builder.Services.AddOptions<SmsOptions>().BindConfiguration("Notifications:Sms");
        builder.Services.AddHttpClient(FortySixElksGateway.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        builder.Services.AddSingleton<ISmsGateway, FortySixElksGateway>();
        builder.Services.AddHostedService<NotificationSender>();
    }

    /// <summary>
    /// The explicit migrate step: applies database migrations and declares the broker topology
    /// (exchanges, queues, bindings), so nothing published before the first worker starts is dropped.
    /// </summary>
    public static async Task<int> MigrateAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddRocSecretFiles();
        builder.AddRocLogging();
        // EF logs its probe of the not-yet-existing history table as an error on a first migration.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.None);
        builder.Services.AddRocData();
        builder.Services.AddPersonalDataProtection();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RocMetrics>();
        // Consumers are registered to declare their queues; their dependencies must resolve too.
        builder.AddRocRoutingConfiguration();
        builder.Services.AddSingleton<CaseRouter>();
        builder.Services.AddNotificationPlanningAndSignal();
        builder.AddRocBus(RegisterConsumers, deployTopologyOnly: true);
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("RocRouting.Migrate");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await HostingExtensions.MigrateDatabaseAsync(host.Services, timeout.Token);
        logger.LogInformation("Database migrated");
        await GrantApplicationRoleAsync(host.Services, builder.Configuration[DatabaseRoles.ApplicationRoleSetting], logger, timeout.Token);
        await SealUnencryptedAsync(host.Services, logger, timeout.Token);
        var bus = host.Services.GetRequiredService<IBusControl>();
        await bus.DeployAsync(timeout.Token);
        // Until 2026-12-04 NotifyPeople heard every CaseRouted; each route now plans its notifications in its own transaction.
        await RetiredBindings.UnbindAsync(
            host.Services.GetRequiredService<IOptions<RabbitMqOptions>>().Value, bus.Topology.Message<CaseRouted>().EntityName, "NotifyPeople", timeout.Token);
        logger.LogInformation("Broker topology deployed");
        return 0;
    }

    /// <summary>
    /// The rotation command: seals every personal value with PersonalData:CurrentKeyId and rehashes
    /// child keys and contact fingerprints with PersonalData:HashKey. Run it after the API has the new
    /// keys as current, with the old ones still configured (PersonalData:EncryptionKeys,
    /// PersonalData:PreviousHashKeys); remove an old encryption key once this has finished, an old
    /// hash key a day later (README, Security). Safe to repeat and to run beside the service.
    /// </summary>
    public static async Task<int> RotateKeysAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddRocSecretFiles();
        builder.AddRocLogging();
        builder.Services.AddRocData();
        builder.Services.AddPersonalDataProtection();
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("RocRouting.RotateKeys");
        var protector = host.Services.GetRequiredService<PersonalDataProtector>();
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
        var count = await PersonalDataRekeying.RunAsync(db, protector, 500, CancellationToken.None);
        LogRekeyed(logger, count, protector.CurrentKeyId);
        var rehashed = await PersonalDataRekeying.RehashAsync(db, protector, host.Services.GetRequiredService<ChildKeys>(), 500, CancellationToken.None);
        LogRehashed(logger, rehashed);
        return 0;
    }

    private static async Task GrantApplicationRoleAsync(IServiceProvider services, string? role, ILogger logger, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(role))
        {
            LogNoApplicationRole(logger, DatabaseRoles.ApplicationRoleSetting);
            return;
        }
        await using var scope = services.CreateAsyncScope();
        await DatabaseRoles.GrantApplicationRoleAsync(scope.ServiceProvider.GetRequiredService<RocDbContext>(), role, cancellationToken);
        LogGranted(logger, role);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Setting} is not set: no application role was granted, and the service would have to connect as the owner (refused outside Development)")]
    private static partial void LogNoApplicationRole(ILogger logger, string setting);

    [LoggerMessage(Level = LogLevel.Information, Message = "Granted the application role {Role} data access without DDL, TRUNCATE or changes to the audit trail")]
    private static partial void LogGranted(ILogger logger, string role);

    /// <summary>
    /// Values stored before encryption at rest existed are sealed right after the migration that
    /// made room for them; that needs the keys only when there is such a value.
    /// </summary>
    private static async Task SealUnencryptedAsync(IServiceProvider services, ILogger logger, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
        if (await PersonalDataRekeying.AnyPlaintextAsync(db, cancellationToken))
        {
            var protector = scope.ServiceProvider.GetRequiredService<PersonalDataProtector>();
            var sealedCount = await PersonalDataRekeying.SealPlaintextAsync(db, protector, 500, cancellationToken);
            LogSealed(logger, sealedCount);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rehashed {Count} child key(s) and contact fingerprint(s) under the current PersonalData:HashKey")]
    private static partial void LogRehashed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-encrypted {Count} sealed row(s) (cases, staff notes and contact points) under key {KeyId}")]
    private static partial void LogRekeyed(ILogger logger, int count, string keyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sealed {Count} personal value(s) stored before encryption")]
    private static partial void LogSealed(ILogger logger, int count);
}
