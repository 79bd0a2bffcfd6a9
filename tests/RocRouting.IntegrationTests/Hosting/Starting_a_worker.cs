using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using RocRouting.IntegrationTests.Infrastructure;
using RocRouting.Routing;

namespace RocRouting.IntegrationTests.Hosting;

public sealed class Starting_a_worker
{
    [Test]
    public async Task Against_an_unmigrated_database_is_refused()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("roc_unmigrated");
        using var worker = RocApp.BuildWorker(RocApp.Settings(connectionString, prefix: "unmigrated."));
        var error = Assert.ThrowsAsync<InvalidOperationException>(() => worker.StartAsync());
        Assert.That(error!.Message, Does.Contain("schema is out of date").And.Contain("migrate"));
    }

    [Test]
    public async Task With_an_invalid_routing_configuration_is_refused_with_the_reasons()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("roc_badconfig");
        var settings = RocApp.Settings(connectionString, prefix: "badconfig.");
        await RocApp.MigrateAsync(settings);
        settings["Routing:TimeZone"] = "Mars/Olympus";
        settings["Routing:Participants:0"] = "9999";
        using var worker = RocApp.BuildWorker(settings);
        var error = Assert.ThrowsAsync<RoutingConfigurationException>(() => worker.StartAsync());
        Assert.That(error!.Errors, Has.Some.Contain("Mars/Olympus").And.Some.Contain("9999"));
    }

    [Test]
    public async Task With_a_webhook_whose_secret_is_empty_is_refused_naming_the_recipient_not_the_secret()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("roc_badsecret");
        var settings = RocApp.Settings(connectionString, prefix: "badsecret.");
        await RocApp.MigrateAsync(settings);
        settings["Delivery:Webhooks:0:Recipient"] = "home-municipality:0138";
        settings["Delivery:Webhooks:0:Url"] = "http://127.0.0.1:9/hook";
        settings["Delivery:Webhooks:0:Secret"] = "";
        settings["Delivery:Webhooks:1:Recipient"] = "home-municipality:0180";
        settings["Delivery:Webhooks:1:Url"] = "http://127.0.0.1:9/hook";
        settings["Delivery:Webhooks:1:Secret"] = "short-secret";
        using var worker = RocApp.BuildWorker(settings);
        var error = Assert.CatchAsync<Exception>(() => worker.StartAsync());
        Assert.That(error!.Message, Does.Contain("Delivery:Webhooks").And.Not.Contain("short-secret"));
    }

    [Test]
    public async Task An_api_against_an_unmigrated_database_is_refused()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("roc_unmigrated_api");
        await using var api = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Development");
            foreach (var (k, v) in RocApp.Settings(connectionString, prefix: "unmigrated-api.").Where(kv => kv.Value is not null))
            {
                web.UseSetting(k, v);
            }
        });
        var error = Assert.Catch<Exception>(() => _ = api.Server);
        Assert.That(Messages(error!), Has.Some.Contain("schema is out of date").And.Some.Contain("migrate"));
    }

    private static IEnumerable<string> Messages(Exception e) => e is AggregateException a
        ? a.InnerExceptions.SelectMany(Messages)
        : e.InnerException is { } inner ? [e.Message, .. Messages(inner)] : [e.Message];
}
