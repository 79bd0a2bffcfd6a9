using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RocRouting.Data;

namespace RocRouting.IntegrationTests.Data;

/// <summary>How many database connections a process opens: few by default, as the connection string or Database:MaxPoolSize says otherwise.</summary>
public sealed class Sizing_the_connection_pool
{
    private const string Address = "Host=127.0.0.1;Port=5432;Database=roc;Username=roc_app;Password=not-used";

    [Test]
    public void Defaults_to_ten_connections() => Assert.That(PoolSize(Address), Is.EqualTo(DataServiceCollectionExtensions.DefaultMaxPoolSize).And.EqualTo(10));

    [Test]
    public void Takes_the_setting_when_the_connection_string_names_none() =>
        Assert.That(PoolSize(Address, new() { [DataServiceCollectionExtensions.MaxPoolSizeSetting] = "24" }), Is.EqualTo(24));

    [TestCase("Maximum Pool Size=40")]
    [TestCase("maxpoolsize=40")]
    public void Keeps_the_size_a_connection_string_names(string size) =>
        Assert.That(PoolSize($"{Address};{size}", new() { [DataServiceCollectionExtensions.MaxPoolSizeSetting] = "24" }), Is.EqualTo(40));

    private static int PoolSize(string connectionString, Dictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"ConnectionStrings:{DataServiceCollectionExtensions.ConnectionStringName}"] = connectionString })
            .AddInMemoryCollection(settings ?? [])
            .Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddRocData().BuildServiceProvider();
        return new NpgsqlConnectionStringBuilder(services.GetRequiredService<NpgsqlDataSource>().ConnectionString).MaxPoolSize;
    }
}
