using RocRouting.Contracts;
using RocRouting.IntegrationTests.Infrastructure;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Outbox;

/// <summary>
/// RabbitMQ.Client 7.1 lost track of publisher confirms after a publish was cancelled mid-flight, so
/// later publishes on the channel never completed; the relay worked around it by passing no token.
/// 7.2 fixed it and the relay now bounds each publish with a timeout; this shows the fix holds here.
/// (CaseClosed has no consumer: nothing else happens.)
/// </summary>
/// <para>An app of its own: RabbitMQ.Client still loses its place now and then (one CI run in about
/// six, rabbitmq-dotnet-client#1930 is open), and a bus left without confirms must not take the
/// shared app's later tests down with it.</para>
public sealed class Cancelling_a_publish
{
    private RocApp App { get; set; } = null!;

    [OneTimeSetUp]
    public async Task StartAppOfItsOwn() => App = await RocApp.StartAsync(prefix: "cancel.");

    [OneTimeTearDown]
    public async Task Stop() => await App.DisposeAsync();

    [Test]
    public async Task Mid_flight_leaves_later_publishes_and_their_confirms_working()
    {
        using var cancel = new CancellationTokenSource();
        var publishes = Enumerable.Range(0, 500).Select(_ => App.Bus.Publish(
            new CaseClosed { CaseId = Guid.NewGuid(), Outcome = "handled", ClosedAt = DateTimeOffset.UtcNow }, cancel.Token)).ToList();
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
        TestContext.Out.WriteLine(string.Join(", ", outcomes.GroupBy(o => o).Select(g => $"{g.Key}: {g.Count()}")));

        // Publishing goes on: a direct publish is confirmed within its deadline, and a case goes through the relay.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await App.Bus.Publish(new CaseClosed { CaseId = Guid.NewGuid(), Outcome = "handled", ClosedAt = DateTimeOffset.UtcNow }, deadline.Token);
        var caseId = await SubmitAsync(App, null, "urgent");
        await RoutedAsync(App, caseId);
        Assert.That(outcomes, Has.Length.EqualTo(500));
    }
}
