using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RocRouting.Data;
using RocRouting.Routing;

namespace RocRouting.Hosting;

public static class HostingExtensions
{
    /// <summary>What every RocRouting process needs: clock, data, routing configuration, logging, schema check.</summary>
    public static IHostApplicationBuilder AddRocDefaults(this IHostApplicationBuilder builder)
    {
        builder.AddRocSecretFiles();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddRocData();
        builder.AddRocRoutingConfiguration();
        builder.AddRocLogging();
        builder.AddRocTelemetry();
        builder.Services.AddHostedService<SchemaCheck>();
        builder.Services.AddHostedService<PublishedKeysCheck>();
        builder.Services.AddOptions<NativeMemoryOptions>().BindConfiguration("Memory");
        builder.Services.AddHostedService<NativeMemoryTrim>();
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<OutboxHealthCheck>("outbox", tags: ["ready"]);
        return builder;
    }

    /// <summary>The routing configuration is validated at start-up: a bad file stops the process with the reasons.</summary>
    public static IHostApplicationBuilder AddRocRoutingConfiguration(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RoutingSettings>().BindConfiguration("Routing");
        builder.Services.AddSingleton(sp =>
            RoutingConfiguration.From(sp.GetRequiredService<IOptions<RoutingSettings>>().Value, MunicipalityRegister.Official));
        builder.Services.AddHostedService<RoutingConfigurationCheck>();
        return builder;
    }

    public static IHostApplicationBuilder AddRocLogging(this IHostApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        if (builder.Configuration["Logging:Format"] == "json")
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        return builder;
    }

    /// <summary>Applies pending migrations: the explicit migrate step (never done implicitly by a serving process).</summary>
    public static async Task MigrateDatabaseAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
        await db.Database.MigrateAsync(cancellationToken);
    }
}

/// <summary>
/// Refuses to start against a database whose schema is older than this build, or, outside
/// Development, as a database role that could rewrite the audit trail (see <see cref="DatabaseRoles"/>).
/// </summary>
internal sealed partial class SchemaCheck(IServiceScopeFactory scopes, IHostEnvironment environment, ILogger<SchemaCheck> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            var names = string.Join(", ", pending);
            LogPending(logger, pending.Count, names);
            throw new InvalidOperationException(
                $"The database schema is out of date ({pending.Count} pending migration(s): {names}). Run the migrate step first.");
        }
        var excess = await DatabaseRoles.ExcessPrivilegeAsync(db, cancellationToken);
        if (excess is null)
        {
            return;
        }
        if (!environment.IsDevelopment())
        {
            LogExcessPrivilege(logger, LogLevel.Critical, excess);
            throw new InvalidOperationException(
                $"The service is {excess}. Connect as the application role the migrate step grants ({DatabaseRoles.ApplicationRoleSetting}).");
        }
        LogExcessPrivilege(logger, LogLevel.Warning, excess);
    }

    [LoggerMessage(Message = "Database role: the service is {Reason}; outside Development it refuses to start")]
    private static partial void LogExcessPrivilege(ILogger logger, LogLevel level, string reason);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Critical, Message = "Database schema is out of date: {Count} pending migration(s) {Migrations}")]
    private static partial void LogPending(ILogger logger, int count, string migrations);
}

/// <summary>Builds the routing configuration at start-up so a bad file fails the start, not the first case.</summary>
internal sealed partial class RoutingConfigurationCheck(IServiceProvider services, ILogger<RoutingConfigurationCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var config = services.GetRequiredService<RoutingConfiguration>();
        LogLoaded(logger, config.Version, config.Participants.Count, config.Services.Count);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Routing configuration {Version}: {Participants} participating municipalities, {Services} social emergency service(s)")]
    private static partial void LogLoaded(ILogger logger, string version, int participants, int services);
}
