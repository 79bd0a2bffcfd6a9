using MassTransit;
using Microsoft.Extensions.Options;
using RocRouting.Hosting;
using RocRouting.IntegrationTests.Infrastructure;
using RocRouting.Worker;

namespace RocRouting.IntegrationTests.Hosting;

/// <summary>
/// A send that does not finish (a connection being recovered, a publisher the broker blocked) must not
/// stop the self-monitor: MassTransit's request timeout starts only once the message has left, so the
/// round trip is bounded by cancellation as well. A self-monitor stuck here once left an API unready for
/// minutes after its broker was back.
/// </summary>
public sealed class Sending_a_heartbeat_while_the_send_hangs
{
    [Test]
    public async Task Gives_up_once_the_timeout_has_passed()
    {
        var hang = new HangingPublish();
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(new RabbitMqOptions { Url = TestServers.RabbitMqUrl }.ConnectionUri());
            // The request client publishes the heartbeat.
            cfg.ConfigurePublish(publish => publish.UseFilter(hang));
        });
        await bus.StartAsync();
        try
        {
            var heartbeat = new HeartbeatRoundTrip(bus, Options.Create(new SelfMonitoringOptions { Timeout = TimeSpan.FromMilliseconds(500) }));

            var roundTrip = heartbeat.GoRoundAsync(CancellationToken.None);
            // A generous deadline: what matters is that it ends at all.
            var ended = await Task.WhenAny(roundTrip, Task.Delay(TimeSpan.FromSeconds(30)));

            Assert.Multiple(() =>
            {
                Assert.That(hang.Entered.Task.IsCompleted, Is.True, "the send was held");
                Assert.That(ended, Is.SameAs(roundTrip), "the round trip ended while the send still hung");
                Assert.That(roundTrip.IsFaulted || roundTrip.IsCanceled, Is.True, $"and it counts as lost ({roundTrip.Exception?.InnerException?.GetType().Name})");
            });
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    /// <summary>A publish filter that holds every message until its publish is cancelled.</summary>
    private sealed class HangingPublish : IFilter<PublishContext>
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task Send(PublishContext context, IPipe<PublishContext> next)
        {
            Entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }

        public void Probe(ProbeContext context) => context.CreateFilterScope("hanging-publish");
    }
}
