using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using RocRouting.Cases;
using RocRouting.Data.Outbox;
using RocRouting.Data.Privacy;

namespace RocRouting.Data;

public static class DataServiceCollectionExtensions
{
    public const string ConnectionStringName = "Postgres";

    /// <summary>A password that replaces the connection string's (see AddRocData).</summary>
    public const string PasswordSetting = "Database:Password";

    /// <summary>Connections per process unless the connection string names its own pool size.</summary>
    public const string MaxPoolSizeSetting = "Database:MaxPoolSize";

    public const int DefaultMaxPoolSize = 10;

    /// <summary>Whether the connection string sets one of these keywords, written with or without spaces ("Maximum Pool Size" or "MaxPoolSize").</summary>
    private static bool Names(string connectionString, params string[] keywords) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal))
            .Any(k => keywords.Contains(k, StringComparer.OrdinalIgnoreCase));

    /// <summary>The DbContext over one shared Npgsql data source, with the outbox wake-up wired in.</summary>
    public static IServiceCollection AddRocData(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var builder = DataSourceBuilder(sp.GetRequiredService<IConfiguration>());
            builder.ConfigureTracing(t => t.ConfigureBatchFilter(BatchTracing.TracedByNpgsql));
            return builder.Build();
        });
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<OutboxWakeUpInterceptor>();
        services.AddSingleton<RowWriter>();
        // Pooled: every request and every message gets a context, and building one showed in the profile.
        services.AddDbContextPool<RocDbContext>((sp, options) => Configure(options, sp.GetRequiredService<NpgsqlDataSource>())
            .AddInterceptors(sp.GetRequiredService<OutboxWakeUpInterceptor>()));
        services.AddOptions<OutboxOptions>().BindConfiguration("Outbox");
        services.AddOptions<DeliveryOptions>().BindConfiguration("Delivery")
            .Validate(o => o.Problems().Count == 0, "Delivery:Webhooks: every webhook needs a URL and a secret of at least 16 characters (README, Delivery)")
            .ValidateOnStart();
        services.AddSingleton(sp => new WebhookDirectory(sp.GetRequiredService<IOptions<DeliveryOptions>>().Value));
        return services;
    }

    /// <summary>The service's connection settings from configuration, for the shared data source and any connection of its own.</summary>
    internal static NpgsqlDataSourceBuilder DataSourceBuilder(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(ConnectionStringName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ConnectionStringName} is not set.");
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        // The password apart from the rest (a secret file, such as the key of the basic-auth secret
        // CloudNativePG reads a managed role's password from), the address in plain configuration.
        if (configuration[PasswordSetting] is { Length: > 0 } password)
        {
            settings.Password = password;
        }
        // The hot path is a few dozen statement shapes run thousands of times: prepared once per
        // connection, PostgreSQL stops parsing and planning them each time. Nothing here leaves session
        // state on a connection, so the reset round trip on return to the pool is skipped too.
        if (settings.MaxAutoPrepare == 0)
        {
            settings.MaxAutoPrepare = 100;
        }
        settings.NoResetOnClose = true;
        // Npgsql's default of 100 connections let each process open dozens of backends on two cores:
        // every statement then met a cold backend, and PostgreSQL's CPU per case halved with ten
        // (README, Performance). A connection string that names a size keeps it.
        if (!Names(connectionString, "MaximumPoolSize", "MaxPoolSize"))
        {
            settings.MaxPoolSize = configuration.GetValue(MaxPoolSizeSetting, DefaultMaxPoolSize);
        }
        // Npgsql 10 tries Kerberos session encryption first on every new connection ("Prefer"): it loads
        // the Kerberos libraries (which the .NET container images leave out) and looks for a ticket that
        // no deployment of this service has, as it signs in with a password. Without it an open is quicker
        // and no Kerberos library is loaded (measured: README, Performance). A connection string that
        // names a mode keeps it.
        if (!Names(connectionString, "GssEncryptionMode"))
        {
            settings.GssEncryptionMode = GssEncryptionMode.Disable;
        }
        return builder;
    }

    /// <summary>The keyed hash and the encryption of personal data (configuration section "PersonalData").</summary>
    public static IServiceCollection AddPersonalDataProtection(this IServiceCollection services)
    {
        services.AddOptions<PersonalDataOptions>().BindConfiguration("PersonalData");
        services.AddSingleton<ChildKeys>();
        services.AddSingleton<PersonalDataProtector>();
        services.AddSingleton<AcknowledgementLinks>();
        return services;
    }

    /// <summary>Resolves the protection services, so a missing or malformed key fails with its message at start.</summary>
    public static void ValidatePersonalDataProtection(this IServiceProvider services)
    {
        services.GetRequiredService<ChildKeys>();
        services.GetRequiredService<PersonalDataProtector>();
    }

    /// <summary>Adds the relay that publishes committed outbox rows (needs MassTransit's IBus).</summary>
    public static IServiceCollection AddOutboxRelay(this IServiceCollection services) =>
        services.AddHostedService<OutboxRelay>();

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, NpgsqlDataSource dataSource) =>
        options.UseNpgsql(dataSource)
            // Migrations are hand-written (EF's design package is not served here); a test compares the
            // migrated schema with the model instead of a snapshot.
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
}
