using System.Text;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RocRouting.Api.Operations;
using RocRouting.Hosting;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Delivery;

/// <summary>
/// Operators look at the dead letters as often as they like: on a quorum queue with a delivery limit
/// (RabbitMQ 4.x sets 20 by default; this one has 2), looking is not a delivery, so none is dropped.
/// </summary>
public sealed class Listing_dead_letters
{
    private const int DeliveryLimit = 2;

    private IConnection _connection = null!;
    private string _errorQueue = "";
    private DeadLetters _deadLetters = null!;

    [OneTimeSetUp]
    public async Task DeclareAQuorumErrorQueueWithThreeLetters()
    {
        var options = new RabbitMqOptions { Url = TestServers.RabbitMqUrl, Prefix = $"peek{Guid.NewGuid():N}"[..12] + "." };
        _deadLetters = new DeadLetters(Options.Create(options));
        _errorQueue = ReceiveQueues.All(options).First().ErrorQueue;
        _connection = await new ConnectionFactory { Uri = new Uri(TestServers.RabbitMqUrl) }.CreateConnectionAsync();
        await using var channel = await _connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        await channel.QueueDeclareAsync(_errorQueue, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?>
        {
            ["x-queue-type"] = "quorum",
            ["x-delivery-limit"] = DeliveryLimit,
        });
        foreach (var id in new[] { "letter-1", "letter-2", "letter-3" })
        {
            var properties = new BasicProperties
            {
                MessageId = id,
                Persistent = true,
                Headers = new Dictionary<string, object?>
                {
                    ["MT-Fault-MessageType"] = Encoding.UTF8.GetBytes("urn:message:RocRouting.Contracts:CaseSubmitted"),
                    ["MT-Fault-ExceptionType"] = Encoding.UTF8.GetBytes("System.InvalidOperationException"),
                },
            };
            await channel.BasicPublishAsync(string.Empty, _errorQueue, mandatory: true, properties, Encoding.UTF8.GetBytes("{}"));
        }
    }

    [OneTimeTearDown]
    public async Task DeleteTheQueue()
    {
        await using (var channel = await _connection.CreateChannelAsync())
        {
            await channel.QueueDeleteAsync(_errorQueue);
        }
        await _connection.DisposeAsync();
    }

    [Test]
    public async Task Many_more_times_than_the_delivery_limit_keeps_every_letter_in_its_order()
    {
        var listings = new List<string>();
        for (var i = 0; i < DeliveryLimit * 5; i++)
        {
            var letters = await _deadLetters.PeekAsync(100, CancellationToken.None);
            listings.Add(string.Join(",", letters.Select(l => $"{l.MessageId}:{l.ExceptionType}")));
        }

        await using var channel = await _connection.CreateChannelAsync();
        var left = await channel.MessageCountAsync(_errorQueue);
        Assert.Multiple(() =>
        {
            Assert.That(listings, Is.All.EqualTo(
                "letter-1:System.InvalidOperationException,letter-2:System.InvalidOperationException,letter-3:System.InvalidOperationException"));
            Assert.That(left, Is.EqualTo(3), "none dropped, none doubled");
        });
    }

    [Test]
    public async Task A_limit_lists_the_first_ones_and_keeps_the_rest()
    {
        var first = await _deadLetters.PeekAsync(2, CancellationToken.None);
        var again = await _deadLetters.PeekAsync(2, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(first.Select(l => l.MessageId), Is.EqualTo(new[] { "letter-1", "letter-2" }));
            Assert.That(again.Select(l => l.MessageId), Is.EqualTo(new[] { "letter-1", "letter-2" }), "the same answer: the queue went all the way round");
        });
    }
}
