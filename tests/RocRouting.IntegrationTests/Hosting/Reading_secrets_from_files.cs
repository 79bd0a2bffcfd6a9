using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Npgsql;
using RocRouting.Hosting;
using RocRouting.IntegrationTests.Infrastructure;
using RocRouting.Worker;

namespace RocRouting.IntegrationTests.Hosting;

/// <summary>Compose and Kubernetes hand secrets over as files, one per setting; the processes read them.</summary>
public sealed class Reading_secrets_from_files
{
    private string _root = "";

    [SetUp]
    public void MakeDirectories() => _root = Directory.CreateTempSubdirectory("roc-secrets-").FullName;

    [TearDown]
    public void RemoveDirectories() => Directory.Delete(_root, recursive: true);

    private string SecretsIn(string name, params (string File, string Content)[] files)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        foreach (var (file, content) in files)
        {
            File.WriteAllText(Path.Combine(dir, file), content);
        }
        return dir;
    }

    private static ConfigurationManager Read(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddRocSecretFiles();
        return builder.Configuration;
    }

    [Test]
    public void A_file_named_like_the_environment_variable_gives_the_setting_without_its_trailing_newline()
    {
        var dir = SecretsIn("app", ("PersonalData__EncryptionKeys__k1", "a-key-from-a-file\n"), ("Auth__Issuer", "https://login.example.invalid/"));

        var configuration = Read(new() { [$"{SecretFiles.Section}:0"] = dir, ["Auth:Issuer"] = "from-the-environment" });

        Assert.Multiple(() =>
        {
            Assert.That(configuration["PersonalData:EncryptionKeys:k1"], Is.EqualTo("a-key-from-a-file"));
            Assert.That(configuration["Auth:Issuer"], Is.EqualTo("https://login.example.invalid/"), "a file wins over the environment");
        });
    }

    [Test]
    public void A_later_directory_overrides_an_earlier_one()
    {
        var app = SecretsIn("app", ("ConnectionStrings__Postgres", "Username=app"), ("RabbitMq__Url", "amqp://app"));
        var migrate = SecretsIn("migrate", ("ConnectionStrings__Postgres", "Username=owner"));

        var configuration = Read(new() { [$"{SecretFiles.Section}:0"] = app, [$"{SecretFiles.Section}:1"] = migrate });

        Assert.Multiple(() =>
        {
            Assert.That(configuration["ConnectionStrings:Postgres"], Is.EqualTo("Username=owner"));
            Assert.That(configuration["RabbitMq:Url"], Is.EqualTo("amqp://app"));
        });
    }

    [Test]
    public void The_brokers_user_and_password_may_come_apart_from_its_address()
    {
        var options = new RabbitMqOptions { Url = "amqp://guest:guest@rabbitmq.example.invalid:5672/", Username = "rocrouting", Password = "p@ss/word" };

        Assert.That(options.ConnectionUri().ToString(), Is.EqualTo("amqp://rocrouting:p%40ss%2Fword@rabbitmq.example.invalid:5672/"));
    }

    [Test]
    public void A_directory_that_is_not_there_stops_the_start()
    {
        var missing = Path.Combine(_root, "not-mounted");

        var error = Assert.Throws<InvalidOperationException>(() => Read(new() { [$"{SecretFiles.Section}:0"] = missing }));

        Assert.That(error!.Message, Does.Contain("not-mounted"));
    }

    [Test]
    public async Task The_migrate_step_takes_the_owners_connection_and_password_from_files()
    {
        var owner = await TestServers.CreateDatabaseAsync("roc_secretfiles");
        // As a Kubernetes basic-auth secret gives it: the password on its own, the address elsewhere.
        var password = new NpgsqlConnectionStringBuilder(owner).Password!;
        var withoutPassword = new NpgsqlConnectionStringBuilder(owner) { Password = null }.ConnectionString;
        var dir = SecretsIn("migrate", ("ConnectionStrings__Postgres", withoutPassword + "\n"), ("Database__Password", password + "\n"),
            ("Database__ApplicationRole", TestServers.ApplicationRole));
        var settings = RocApp.Settings("Host=nowhere.invalid", prefix: "secretfiles.");
        settings[$"{SecretFiles.Section}:0"] = dir;

        Assert.That(await WorkerApp.MigrateAsync([.. RocApp.CommandLine(settings), "--environment=Development"]), Is.Zero);

        await using var connection = new NpgsqlConnection(TestServers.AsApplication(owner));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM cases", connection);
        Assert.That(await command.ExecuteScalarAsync(), Is.EqualTo(0L), "migrated, and the application role granted");
    }
}
