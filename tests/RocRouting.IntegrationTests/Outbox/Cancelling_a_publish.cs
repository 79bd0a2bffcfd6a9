using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RocRouting.Contracts;
using RocRouting.Data.Outbox;
using RocRouting.IntegrationTests.Infrastructure;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Outbox;

/// <summary>
/// RabbitMQ.Client 7.1 lost track of publisher confirms after a publish was cancelled mid-flight, so
/// later publishes on the channel never completed. 7.2 mostly fixed it, but now and then (about one
/// run in six here, rabbitmq-dotnet-client#1930 is open) the channel still loses its place. The
/// service does not depend on the client getting it right: each publish is bounded, and a relay whose
/// rounds all time out on a healthy bus restarts it. So the promise is that publishing resumes and
/// cases keep going through, not that the very next publish is confirmed.
/// (CaseClosed has no consumer: nothing else happens.)
/// </summary>
/// <para>An app of its own: the bus may be restarted under it.</para>
public sealed class Cancelling_a_publish
{
    private RocApp App { get; set; } = null!;

    [OneTimeSetUp]
    public async Task StartAppOfItsOwn() => App = await RocApp.StartAsync(prefix: "cancel.", extraSettings: new()
    {
        // Short bounds, so that a channel that lost its confirms is found and replaced within seconds.
        ["Outbox:HandOffLease"] = "00:00:01",
        ["Outbox:PublishTimeout"] = "00:00:02",
        ["Outbox:FirstRetryDelay"] = "00:00:00.050",
        ["Outbox:MaxRetryDelay"] = "00:00:00.200",
        // The routed cases' CaseRouted are what the worker's relay publishes on the bus under test.
        ["Outbox:PublishCaseRouted"] = "true",
    });

    [OneTimeTearDown]
    public async Task Stop() => await App.DisposeAsync();

    [Test]
    public async Task Mid_flight_leaves_publishing_working_and_cases_going_through()
    {
        using var cancel = new CancellationTokenSource();
        var publishes = Enumerable.Range(0, 500).Select(_ => App.Bus.Publish(Closed(), cancel.Token)).ToList();
        await cancel.CancelAsync();
        var outcomes = await Task.WhenAll(publishes.Select(async p =>
        {
            try
            {
                await p;
                return "confirmed";
            }
            catch (OperationCanceledException)
            {
                return "cancelled";
            }
        }));

        // Each round routes a case (its CaseRouted is handed to the worker's relay, on the bus whose
        // publishes were cancelled) and then publishes directly on that bus with a short bound.
        var rounds = 0;
        await Eventually.Until(async () =>
        {
            rounds++;
            var caseId = await SubmitAsync(App, null, "urgent");
            await RoutedAsync(App, caseId);
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await App.Bus.Publish(Closed(), bound.Token);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }, "a publish on the same bus to be confirmed again", TimeSpan.FromSeconds(90));

        var restarts = App.Worker.Services.GetServices<IHostedService>().OfType<OutboxRelay>().Sum(r => r.BusRestarts);
        TestContext.Out.WriteLine(
            $"{string.Join(", ", outcomes.GroupBy(o => o).Select(g => $"{g.Key}: {g.Count()}"))}; rounds until confirmed: {rounds}; bus restarts: {restarts}");
        var waiting = await Eventually.Until(
            () => App.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.DispatchedAt == null)),
            count => count == 0,
            "every message of the routed cases to be published",
            TimeSpan.FromSeconds(30));
        Assert.That(waiting, Is.Zero, "nothing left behind in the outbox");
    }

    private static CaseClosed Closed() => new() { CaseId = Guid.NewGuid(), Outcome = "handled", ClosedAt = DateTimeOffset.UtcNow };
}
