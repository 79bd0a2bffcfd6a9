using System.Text;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using RabbitMQ.Client;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Data.Outbox;
using RocRouting.Hosting;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Outbox;

/// <summary>The relay against real PostgreSQL and RabbitMQ, in a database of its own so no other relay interferes.</summary>
public sealed class Relaying_the_outbox
{
    private static readonly TimeSpan HandOffLease = TimeSpan.FromSeconds(1);

    private IHost _host = null!;
    private RelayProbeSink _sink = null!;
    private string _connectionString = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        OutboxSerializer.Register(typeof(RelayProbe));
        _connectionString = await TestServers.CreateDatabaseAsync("roc_relay");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(RocApp.Settings(_connectionString, prefix: "relay-test."));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Outbox:HandOffLease"] = HandOffLease.ToString() });
        builder.Services.AddRocData();
        builder.Services.AddSingleton<RelayProbeSink>();
        builder.AddRocBus(x => x.AddConsumer<RelayProbeConsumer>());
        _host = builder.Build();
        await HostingExtensions.MigrateDatabaseAsync(_host.Services);
        await _host.StartAsync();
        _sink = _host.Services.GetRequiredService<RelayProbeSink>();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    [SetUp]
    public void Clear() => _sink.Received.Clear();

    [Test]
    public async Task A_row_committed_late_by_a_slow_transaction_is_still_published()
    {
        var slowId = Guid.NewGuid();
        await using var slow = new NpgsqlConnection(_connectionString);
        await slow.OpenAsync();
        await using var slowTransaction = await slow.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(
            "INSERT INTO outbox_messages (id, message_type, payload, created_at, attempts) VALUES (@id, @type, @payload::jsonb, now() - interval '1 minute', 0)",
            slow, slowTransaction))
        {
            insert.Parameters.AddWithValue("id", slowId);
            insert.Parameters.AddWithValue("type", OutboxSerializer.TypeName(typeof(RelayProbe)));
            insert.Parameters.AddWithValue("payload", OutboxSerializer.Serialize(new RelayProbe(1)));
            await insert.ExecuteNonQueryAsync();
        }

        var fastId = await EnqueueAsync(new RelayProbe(2));
        var relay = NewRelay();
        Assert.That(await relay.RelayOnceAsync(CancellationToken.None), Is.EqualTo(1), "only the committed row is visible");

        await slowTransaction.CommitAsync();
        Assert.That(await relay.RelayOnceAsync(CancellationToken.None), Is.EqualTo(1), "the late row, older than one already published");

        await Eventually.Until(() => Task.FromResult(_sink.Received.ContainsKey(slowId) && _sink.Received.ContainsKey(fastId)), "both probes");
    }

    [Test]
    public async Task Two_relays_publish_each_message_once()
    {
        const int count = 600;
        var ids = new List<Guid>();
        for (var batch = 0; batch < count / 100; batch++)
        {
            ids.AddRange(await EnqueueAsync(Enumerable.Range(batch * 100, 100).Select(n => new RelayProbe(n))));
        }

        var relays = new[] { NewRelay(batchSize: 50), NewRelay(batchSize: 50) };
        await Task.WhenAll(relays.Select(async relay =>
        {
            while (await PendingAsync() > 0)
            {
                await relay.RelayOnceAsync(CancellationToken.None);
            }
        }));

        await Eventually.Until(() => Task.FromResult(ids.All(_sink.Received.ContainsKey)), "every probe to arrive");
        Assert.Multiple(() =>
        {
            Assert.That(_sink.Received.Where(kv => ids.Contains(kv.Key)).Select(kv => kv.Value), Is.All.EqualTo(1));
            Assert.That(_sink.Deliveries, Is.EqualTo(count));
        });
    }

    [Test]
    public async Task The_running_relay_publishes_a_commit_without_waiting_for_the_poll()
    {
        // The host under test runs no relay; start one with a poll so long that only the wake-up can explain delivery.
        var relay = NewRelay(pollInterval: TimeSpan.FromMinutes(10));
        using var stopping = new CancellationTokenSource();
        await relay.StartAsync(stopping.Token);
        try
        {
            // Let the relay start (ExecuteAsync runs on its own thread; until it does, a commit is not
            // handed over but claimed), drain and go to sleep on the signal first.
            var signal = _host.Services.GetRequiredService<OutboxSignal>();
            await Eventually.Until(() => Task.FromResult(signal.HandsOff), "the relay to run");
            await Eventually.Until(async () => await PendingAsync() == 0, "an empty outbox");
            var id = await EnqueueAsync(new RelayProbe(42));
            await Eventually.Until(() => Task.FromResult(_sink.Received.ContainsKey(id)), "the probe", TimeSpan.FromSeconds(10));
            var row = await Eventually.Until(() => RowAsync(id), r => r.DispatchedAt is not null, "the row marked dispatched");
            Assert.Multiple(() =>
            {
                // Handed over from memory: written with the hand-off lease and never claimed (a claim leases it anew).
                Assert.That(row.NextAttemptAt - row.CreatedAt, Is.LessThan(HandOffLease + TimeSpan.FromSeconds(1)));
                // Published from the message as written, which says what the stored payload says.
                Assert.That(_sink.Numbers[id], Is.EqualTo(42));
                Assert.That(((RelayProbe)OutboxSerializer.Deserialize(row.Payload, typeof(RelayProbe))).Number, Is.EqualTo(42));
            });
        }
        finally
        {
            await relay.StopAsync(CancellationToken.None);
        }
    }

    [Test]
    public async Task A_message_goes_to_the_broker_as_compact_json_without_empty_fields()
    {
        // A queue of the test's own beside the consumer's: it keeps a copy of the body as the broker stored it.
        var bus = _host.Services.GetRequiredService<IBusControl>();
        var exchange = bus.Topology.Message<RelayProbe>().EntityName;
        await using var connection = await new ConnectionFactory { Uri = new Uri(TestServers.RabbitMqUrl) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var copies = (await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(copies, exchange, string.Empty);

        var id = await EnqueueAsync(new RelayProbe(7));
        await NewRelay().RelayOnceAsync(CancellationToken.None);

        var copy = await Eventually.Until(() => channel.BasicGetAsync(copies, autoAck: true), m => m is not null, "the copy");
        var body = Encoding.UTF8.GetString(copy!.Body.Span);
        await Eventually.Until(() => Task.FromResult(_sink.Numbers.ContainsKey(id)), "the probe consumed");
        Assert.Multiple(() =>
        {
            Assert.That(body, Does.Not.Contain("\n"), "not indented");
            Assert.That(body, Does.Not.Contain("null"), "no empty fields (requestId, correlationId, ...)");
            Assert.That(body, Does.Contain("\"messageId\":\"" + id), "the envelope says which message it is");
            Assert.That(_sink.Numbers[id], Is.EqualTo(7), "and MassTransit reads it");
        });
    }

    [Test]
    public async Task A_CaseRouted_nobody_asked_for_is_not_written_by_either_unit_of_work()
    {
        await using var scope = _host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
        var (routedByContext, probeByContext) = (Guid.NewGuid(), Guid.NewGuid());
        db.Enqueue(Routed(), routedByContext, DateTimeOffset.UtcNow);
        db.Enqueue(new RelayProbe(11), probeByContext, DateTimeOffset.UtcNow);
        await db.SaveChangesAsync();

        var batch = _host.Services.GetRequiredService<RowWriter>().Begin();
        var (routedByBatch, probeByBatch) = (Guid.NewGuid(), Guid.NewGuid());
        batch.Enqueue(Routed(), routedByBatch, DateTimeOffset.UtcNow);
        batch.Enqueue(new RelayProbe(12), probeByBatch, DateTimeOffset.UtcNow);
        await batch.SaveAsync(CancellationToken.None);

        Guid[] ids = [routedByContext, probeByContext, routedByBatch, probeByBatch];
        var written = await db.OutboxMessages.AsNoTracking().Where(m => ids.Contains(m.Id)).Select(m => m.Id).ToListAsync();
        Assert.That(written, Is.EquivalentTo(new[] { probeByContext, probeByBatch }), "the other messages of the same units of work are written");

        // No relay runs in this host: the probes are published here, so the next test's round starts empty.
        var relay = NewRelay();
        await Eventually.Until(async () => { await relay.RelayOnceAsync(CancellationToken.None); return await PendingAsync(); }, n => n == 0, "the probes published");
    }

    [Test]
    public async Task A_CaseRouted_an_earlier_version_wrote_is_marked_dispatched_without_a_publish_unless_one_is_asked_for()
    {
        // A queue of the test's own on CaseRouted's exchange (declared as MassTransit declares it): anything published lands in it.
        var exchange = _host.Services.GetRequiredService<IBusControl>().Topology.Message<CaseRouted>().EntityName;
        await using var connection = await new ConnectionFactory { Uri = new Uri(TestServers.RabbitMqUrl) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
        var copies = (await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(copies, exchange, string.Empty);

        var unasked = await WrittenEarlierAsync(Routed());
        await NewRelay().RelayOnceAsync(CancellationToken.None);
        var row = await RowAsync(unasked);
        // A publish is confirmed before the round ends, and a confirmed message is already in every bound queue.
        var sent = await channel.MessageCountAsync(copies);
        Assert.Multiple(() =>
        {
            Assert.That(row.DispatchedAt, Is.Not.Null, "done with");
            Assert.That(sent, Is.Zero, "not sent");
        });

        var asked = await WrittenEarlierAsync(Routed());
        await NewRelay(publishCaseRouted: true).RelayOnceAsync(CancellationToken.None);
        var copy = await Eventually.Until(() => channel.BasicGetAsync(copies, autoAck: true), m => m is not null, "the published CaseRouted");
        Assert.That(copy!.BasicProperties.MessageId, Is.EqualTo(asked.ToString()));
    }

    [Test]
    public async Task Rows_handed_to_a_process_that_dies_before_publishing_them_are_claimed_once_the_lease_ends()
    {
        var signal = _host.Services.GetRequiredService<OutboxSignal>();
        Guid id;
        signal.RelayStarted();
        try
        {
            id = await EnqueueAsync(new RelayProbe(7));
            // The process dies with the rows in hand: they are gone from memory, unpublished.
            Assert.That(signal.TakeHandedOff(100).Select(r => r.Id), Is.EqualTo(new[] { id }));
        }
        finally
        {
            signal.RelayStopped();
        }

        var relay = NewRelay();
        Assert.That(await relay.RelayOnceAsync(CancellationToken.None), Is.Zero, "still reserved for the process that wrote it");
        await Eventually.Until(() => relay.RelayOnceAsync(CancellationToken.None), n => n == 1, "the lease to end and the row to be claimed");
        await Eventually.Until(() => Task.FromResult(_sink.Received.ContainsKey(id)), "the probe");
        Assert.That(_sink.Numbers[id], Is.EqualTo(7), "decoded from the stored payload");
    }

    [Test]
    public async Task Only_rows_whose_transaction_committed_are_handed_over()
    {
        var signal = _host.Services.GetRequiredService<OutboxSignal>();
        var committed = Guid.NewGuid();
        Guid duplicate;
        signal.RelayStarted();
        try
        {
            await using var scope = _host.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();

            await using (var rolledBack = await db.Database.BeginTransactionAsync())
            {
                db.Enqueue(new RelayProbe(1), Guid.NewGuid(), DateTimeOffset.UtcNow);
                await db.SaveChangesAsync();
                await rolledBack.RollbackAsync();
            }
            db.ChangeTracker.Clear();
            Assert.That(signal.TakeHandedOff(100), Is.Empty, "rolled back");

            await using (var abandoned = await db.Database.BeginTransactionAsync())
            {
                db.Enqueue(new RelayProbe(2), Guid.NewGuid(), DateTimeOffset.UtcNow);
                await db.SaveChangesAsync();
            }
            db.ChangeTracker.Clear();
            duplicate = await EnqueueAsync(new RelayProbe(3));
            signal.TakeHandedOff(100);
            db.Enqueue(new RelayProbe(3), duplicate, DateTimeOffset.UtcNow);
            Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
            db.ChangeTracker.Clear();
            Assert.That(signal.TakeHandedOff(100), Is.Empty, "a save that failed, after a transaction left without a commit");

            await using (var transaction = await db.Database.BeginTransactionAsync())
            {
                db.Enqueue(new RelayProbe(4), committed, DateTimeOffset.UtcNow);
                await db.SaveChangesAsync();
                Assert.That(signal.TakeHandedOff(100), Is.Empty, "saved, not yet committed");
                await transaction.CommitAsync();
            }
            Assert.That(signal.TakeHandedOff(100).Select(r => r.Id), Is.EqualTo(new[] { committed }));
        }
        finally
        {
            signal.RelayStopped();
        }
        // What was left unpublished above is published by a claim, like any process's leftovers.
        var relay = NewRelay();
        await Eventually.Until(async () => { await relay.RelayOnceAsync(CancellationToken.None); return await PendingAsync(); }, n => n == 0, "the leftovers claimed");
        await Eventually.Until(() => Task.FromResult(_sink.Received.ContainsKey(committed) && _sink.Received.ContainsKey(duplicate)), "both published");
    }

    private static CaseRouted Routed() => new()
    {
        CaseId = Guid.NewGuid(),
        Urgency = Urgency.Urgent,
        Recipient = Recipient.SocialEmergencyService("stockholm"),
        RuleId = "test",
        AcknowledgeBy = DateTimeOffset.UtcNow.AddHours(2),
        DecidedAt = DateTimeOffset.UtcNow,
        ConfigurationVersion = "test",
    };

    private OutboxRelay NewRelay(int batchSize = 200, TimeSpan? pollInterval = null, bool publishCaseRouted = false) => new(
        _host.Services.GetRequiredService<IServiceScopeFactory>(),
        _host.Services.GetRequiredService<IBusControl>(),
        _host.Services.GetRequiredService<OutboxSignal>(),
        Options.Create(new OutboxOptions { BatchSize = batchSize, PollInterval = pollInterval ?? TimeSpan.FromSeconds(1), PublishCaseRouted = publishCaseRouted }),
        _host.Services.GetRequiredService<ILogger<OutboxRelay>>());

    private async Task<Guid> EnqueueAsync<T>(T message) where T : class => (await EnqueueAsync<T>([message]))[0];

    private async Task<List<Guid>> EnqueueAsync<T>(IEnumerable<T> probes) where T : class
    {
        await using var scope = _host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
        var ids = new List<Guid>();
        foreach (var probe in probes)
        {
            var id = Guid.NewGuid();
            db.Enqueue(probe, id, DateTimeOffset.UtcNow);
            ids.Add(id);
        }
        await db.SaveChangesAsync();
        return ids;
    }

    /// <summary>A row as a process of an earlier version (or one with Outbox:PublishCaseRouted set) wrote it: straight to the table.</summary>
    private async Task<Guid> WrittenEarlierAsync<T>(T message) where T : class
    {
        var row = OutboxMessage.For(message, Guid.NewGuid(), DateTimeOffset.UtcNow);
        await using var scope = _host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO outbox_messages (id, message_type, payload, created_at, attempts) VALUES ({row.Id}, {row.MessageType}, {row.Payload}::jsonb, {row.CreatedAt}, 0)");
        return row.Id;
    }

    private async Task<OutboxMessage> RowAsync(Guid id)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
        return await db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Id == id);
    }

    private async Task<int> PendingAsync()
    {
        await using var scope = _host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
        return await db.OutboxMessages.CountAsync(m => m.DispatchedAt == null);
    }
}
