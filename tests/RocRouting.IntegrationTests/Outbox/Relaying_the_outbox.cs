using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using RocRouting.Data;
using RocRouting.Data.Outbox;
using RocRouting.Hosting;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Outbox;

/// <summary>The relay against real PostgreSQL and RabbitMQ, in a database of its own so no other relay interferes.</summary>
public sealed class Relaying_the_outbox
{
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
            // Let the relay drain and go to sleep on the signal first.
            await Eventually.Until(async () => await PendingAsync() == 0, "an empty outbox");
            var id = await EnqueueAsync(new RelayProbe(42));
            await Eventually.Until(() => Task.FromResult(_sink.Received.ContainsKey(id)), "the probe", TimeSpan.FromSeconds(10));
        }
        finally
        {
            await relay.StopAsync(CancellationToken.None);
        }
    }

    private OutboxRelay NewRelay(int batchSize = 200, TimeSpan? pollInterval = null) => new(
        _host.Services.GetRequiredService<IServiceScopeFactory>(),
        _host.Services.GetRequiredService<IBusControl>(),
        _host.Services.GetRequiredService<OutboxSignal>(),
        Options.Create(new OutboxOptions { BatchSize = batchSize, PollInterval = pollInterval ?? TimeSpan.FromSeconds(1) }),
        _host.Services.GetRequiredService<ILogger<OutboxRelay>>());

    private async Task<Guid> EnqueueAsync(RelayProbe probe) => (await EnqueueAsync([probe]))[0];

    private async Task<List<Guid>> EnqueueAsync(IEnumerable<RelayProbe> probes)
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

    private async Task<int> PendingAsync()
    {
        await using var scope = _host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
        return await db.OutboxMessages.CountAsync(m => m.DispatchedAt == null);
    }
}
