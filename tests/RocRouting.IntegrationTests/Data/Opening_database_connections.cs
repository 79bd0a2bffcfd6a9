using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RocRouting.Data;

namespace RocRouting.IntegrationTests.Data;

/// <summary>How a process connects to its database: few connections by default, as the connection string or Database:MaxPoolSize says otherwise, and no Kerberos unless the connection string asks for it.</summary>
public sealed class Opening_database_connections
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

    [Test]
    public void Does_not_try_Kerberos_encryption_first() =>
        Assert.That(Settings(Address).GssEncryptionMode, Is.EqualTo(GssEncryptionMode.Disable));

    [TestCase("GSS Encryption Mode=Require")]
    [TestCase("gssencryptionmode=Require")]
    public void Keeps_the_Kerberos_encryption_a_connection_string_names(string mode) =>
        Assert.That(Settings($"{Address};{mode}").GssEncryptionMode, Is.EqualTo(GssEncryptionMode.Require));

    private static int PoolSize(string connectionString, Dictionary<string, string?>? settings = null) => Settings(connectionString, settings).MaxPoolSize;

    private static NpgsqlConnectionStringBuilder Settings(string connectionString, Dictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"ConnectionStrings:{DataServiceCollectionExtensions.ConnectionStringName}"] = connectionString })
            .AddInMemoryCollection(settings ?? [])
            .Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddRocData().BuildServiceProvider();
        return new NpgsqlConnectionStringBuilder(services.GetRequiredService<NpgsqlDataSource>().ConnectionString);
    }
}
