using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using RocRouting.Hosting;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Hosting;

/// <summary>
/// Until 2026-12-04 the worker's notification queue heard every CaseRouted. MassTransit declares what
/// consumers need and never removes a binding, so the migrate step must, or every routed case would
/// be copied into a queue nobody reads it from.
/// </summary>
public sealed class Upgrading_a_broker_that_ran_an_earlier_version
{
    [Test]
    public async Task The_migrate_step_stops_copying_every_CaseRouted_to_the_notification_queue()
    {
        var prefix = $"upgrade{Guid.NewGuid():N}"[..15] + ".";
        var settings = RocApp.Settings(TestServers.AsApplication(await TestServers.CreateDatabaseAsync("roc_upgrade")), prefix);
        var options = new RabbitMqOptions { Url = TestServers.RabbitMqUrl, Prefix = prefix };
        var notifyPeople = ReceiveQueues.Of(options, "NotifyPeople");
        var caseRouted = prefix + "RocRouting.Contracts:CaseRouted";
        await RocApp.MigrateAsync(settings);

        await using var connection = await new ConnectionFactory { Uri = new Uri(TestServers.RabbitMqUrl) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        try
        {
            // The earlier version's binding: the message type's exchange into the consumer's endpoint exchange.
            await channel.ExchangeDeclareAsync(caseRouted, ExchangeType.Fanout, durable: true);
            await channel.ExchangeBindAsync(notifyPeople, caseRouted, routingKey: "");
            await PublishAsync(channel, caseRouted);
            Assert.That((await channel.QueueDeclarePassiveAsync(notifyPeople)).MessageCount, Is.EqualTo(1), "the earlier topology copies it");
            await channel.QueuePurgeAsync(notifyPeople);

            await RocApp.MigrateAsync(settings);

            Assert.CatchAsync<PublishException>(() => PublishAsync(channel, caseRouted), "returned: no queue is bound to it any more");
            Assert.That((await channel.QueueDeclarePassiveAsync(notifyPeople)).MessageCount, Is.Zero);
        }
        finally
        {
            await channel.QueueDeleteAsync(notifyPeople);
            await channel.QueueDeleteAsync(ReceiveQueues.Of(options, "RouteCase"));
            await channel.ExchangeDeleteAsync(caseRouted);
        }
    }

    /// <summary>Mandatory, with confirms tracked: a message no queue takes is returned, and the publish throws.</summary>
    private static async Task PublishAsync(IChannel channel, string exchange) =>
        await channel.BasicPublishAsync(exchange, routingKey: "", mandatory: true, new BasicProperties { Persistent = true }, "{}"u8.ToArray());
}
