using Npgsql;
using RocRouting.IntegrationTests.Infrastructure;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Outbox;

/// <summary>
/// The inbox shows an item only once every older transaction has ended (its gap-free cursor). A relay
/// that held its claim transaction open while waiting on a stopped broker would hide every new item
/// from every recipient until the broker answered.
/// </summary>
public sealed class Relaying_while_the_broker_is_down
{
    [Test]
    public async Task Holds_no_transaction_open_so_new_inbox_items_still_show()
    {
        await using var broker = await OwnBroker.StartAsync();
        await using var app = await RocApp.StartAsync(prefix: "stalled.", extraSettings: new()
        {
            ["RabbitMq:Url"] = broker.Url,
            ["Outbox:PublishTimeout"] = "00:00:05",
        });
        await broker.StopAsync();
        var caseId = await SubmitAsync(app, "0138", "urgent");
        await Eventually.Until(() => EveryPendingRowClaimedAsync(app), claimed => claimed, "a relay to claim the case's message and wait on the broker");

        var committed = await CommitAsync(app);
        var horizon = await Eventually.Until(() => HorizonAsync(app), xmin => xmin > committed,
            "the snapshot horizon to pass a transaction committed while the relay waits", TimeSpan.FromSeconds(3));

        await broker.StartAgainAsync();
        var routed = await Eventually.Until(() => ViewAsync(app, caseId), v => v.GetProperty("status").GetString() == "routed",
            "the case routed once the broker is back", TimeSpan.FromSeconds(90));
        Assert.Multiple(() =>
        {
            Assert.That(horizon, Is.GreaterThan(committed));
            Assert.That(Timeline(routed).Count(k => k == "routed"), Is.EqualTo(1), "published and routed once");
        });
    }

    /// <summary>No undispatched row is both due and unlocked: a relay holds (or has leased) every one.</summary>
    private static async Task<bool> EveryPendingRowClaimedAsync(RocApp app)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM outbox_messages WHERE dispatched_at IS NULL) > 0
               AND NOT EXISTS (SELECT 1 FROM outbox_messages
                               WHERE dispatched_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now())
                               FOR UPDATE SKIP LOCKED)
            """, connection, transaction);
        var claimed = (bool)(await command.ExecuteScalarAsync())!;
        await transaction.RollbackAsync();
        return claimed;
    }

    private static async Task<long> CommitAsync(RocApp app)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand("SELECT pg_current_xact_id()::text::bigint", connection, transaction);
        var xid = (long)(await command.ExecuteScalarAsync())!;
        await transaction.CommitAsync();
        return xid;
    }

    private static async Task<long> HorizonAsync(RocApp app)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
