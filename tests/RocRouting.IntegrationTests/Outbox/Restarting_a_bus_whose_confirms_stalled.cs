using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RocRouting.Data.Outbox;
using RocRouting.IntegrationTests.Infrastructure;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Outbox;

/// <summary>
/// RabbitMQ.Client 7.2 can lose track of confirms on a recovered channel (rabbitmq-dotnet-client#1930):
/// every publish then times out though the broker is up. Here every publish times out (a publish
/// timeout of zero) on a healthy bus, and the relays restart the bus rather than wait forever; the
/// rows stay in the outbox meanwhile. An app of its own: its bus is restarted under it.
/// </summary>
public sealed class Restarting_a_bus_whose_confirms_stalled
{
    private RocApp App { get; set; } = null!;

    [OneTimeSetUp]
    public async Task StartAppOfItsOwn() => App = await RocApp.StartAsync(prefix: "stall.", extraSettings: new()
    {
        ["Outbox:PublishTimeout"] = "00:00:00",
        ["Outbox:FirstRetryDelay"] = "00:00:00.050",
        ["Outbox:MaxRetryDelay"] = "00:00:00.200",
        // The sweeper would route the case from the database and hide what the relay does.
        ["UnroutedCases:StuckAfter"] = "01:00:00",
    });

    [OneTimeTearDown]
    public async Task Stop() => await App.DisposeAsync();

    [Test]
    public async Task Restarts_it_after_two_rounds_in_which_every_publish_timed_out_and_keeps_the_rows()
    {
        var caseId = await SubmitAsync(App, null, "urgent");
        var relays = new[] { App.Worker.Services, App.Api.Services }
            .SelectMany(s => s.GetServices<IHostedService>().OfType<OutboxRelay>())
            .ToList();

        await Eventually.Until(() => Task.FromResult(relays.Sum(r => r.BusRestarts) > 0), "a relay restarts the bus", TimeSpan.FromSeconds(60));
        var busHealth = await Eventually.Until(
            () => Task.FromResult(App.Worker.Services.GetRequiredService<IBusControl>().CheckHealth().Status),
            status => status == BusHealthStatus.Healthy,
            "the restarted bus is healthy",
            TimeSpan.FromSeconds(60));
        var row = await App.WithDbAsync(db => db.OutboxMessages.AsNoTracking()
            .Where(m => m.MessageType.EndsWith("CaseSubmitted"))
            .Select(m => new { m.Attempts, m.DispatchedAt })
            .ToListAsync());
        var status = (await ViewAsync(App, caseId)).GetProperty("status").GetString();
        Assert.Multiple(() =>
        {
            Assert.That(busHealth, Is.EqualTo(BusHealthStatus.Healthy));
            Assert.That(row.Count(r => r.DispatchedAt is null && r.Attempts >= 2), Is.EqualTo(1), "the case's message waits in the outbox, tried again and again");
            Assert.That(status, Is.EqualTo("submitted"), "accepted, and kept until it can be published");
        });
    }
}
