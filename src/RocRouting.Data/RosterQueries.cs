using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Routing;

namespace RocRouting.Data;

public static class RosterQueries
{
    /// <summary>An organisation's roster as the pure policy needs it at <paramref name="at"/>: its weekly duties and the overrides in force then.</summary>
    /// <remarks>
    /// Both reads go as one prepared batch: the routing transaction reads the roster of each case's
    /// audience before it writes, so at night, a case to a transaction, this is a round trip on the
    /// path from submitted to routed (README, Performance).
    /// </remarks>
    public static async Task<DutyRoster> RosterAsync(this RocDbContext db, string organisation, DateTimeOffset at, TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        var weekly = new List<WeeklyDuty>();
        var overrides = new List<DutyOverride>();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection())
            {
                BatchCommands =
                {
                    new("SELECT person, role, days, starts, ends FROM roster_duties WHERE organisation = $1") { Parameters = { new() { Value = organisation } } },
                    new("""SELECT person, role, "from", "to", replaces FROM roster_overrides WHERE organisation = $1 AND "from" <= $2 AND "to" > $2""")
                    {
                        Parameters = { new() { Value = organisation }, new() { Value = at.ToUniversalTime() } },
                    },
                },
            };
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                weekly.Add(new RosterDuty
                {
                    Organisation = organisation,
                    Person = reader.GetString(0),
                    Role = Wire.Parse<DutyRole>(reader.GetString(1)),
                    Days = reader.GetFieldValue<string[]>(2),
                    Starts = reader.GetFieldValue<TimeOnly>(3),
                    Ends = reader.GetFieldValue<TimeOnly>(4),
                }.ToPolicy());
            }
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                overrides.Add(new RosterOverride
                {
                    Organisation = organisation,
                    Person = reader.GetString(0),
                    Role = Wire.Parse<DutyRole>(reader.GetString(1)),
                    From = reader.GetFieldValue<DateTimeOffset>(2),
                    To = reader.GetFieldValue<DateTimeOffset>(3),
                    Replaces = reader.IsDBNull(4) ? null : reader.GetString(4),
                }.ToPolicy());
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        return new DutyRoster(weekly, overrides, zone);
    }
}

public static class NotificationQueries
{
    /// <summary>The push subscriptions of <paramref name="people"/> (a notification round's), untracked.</summary>
    public static ValueTask<List<ContactPoint>> PushSubscriptionsOfAsync(this RocDbContext db, string[] people, CancellationToken cancellationToken) =>
        PushSubscriptionsOf(db, people).ToListAsync(cancellationToken);

    /// <summary>Whether a browser of the person's sent back the receipt of this step's push (then no SMS follows).</summary>
    public static Task<bool> PushShownAsync(this RocDbContext db, Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return PushShown(db, notification.CaseId, notification.Step, notification.Person, cancellationToken);
    }

    // Compiled once: the sender runs these per notification, where building and looking up the LINQ
    // query cost more than running it (README, Performance).
    private static readonly Func<RocDbContext, string[], IAsyncEnumerable<ContactPoint>> PushSubscriptionsOf =
        EF.CompileAsyncQuery((RocDbContext db, string[] people) =>
            db.ContactPoints.AsNoTracking().Where(c => people.Contains(c.Person) && c.Channel == ContactChannel.Push));

    private static readonly Func<RocDbContext, Guid, string, string, CancellationToken, Task<bool>> PushShown =
        EF.CompileAsyncQuery((RocDbContext db, Guid caseId, string step, string person, CancellationToken cancellationToken) =>
            db.Notifications.Any(n => n.CaseId == caseId && n.Step == step && n.Person == person && n.Channel == ContactChannel.Push && n.DeliveredAt != null));

    /// <summary>Leases up to <paramref name="limit"/> due notifications (counting the attempt); as webhook deliveries are leased.</summary>
    public static Task<List<Notification>> LeaseDueNotificationsAsync(
        this RocDbContext db, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken) =>
        db.Notifications.FromSql($"""
            UPDATE notifications SET lease_until = {leaseUntil}, attempts = attempts + 1
            WHERE id IN (
                SELECT id FROM notifications
                WHERE state = 'pending' AND next_attempt_at <= {now} AND (lease_until IS NULL OR lease_until < {now})
                ORDER BY next_attempt_at
                LIMIT {limit}
                FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);

    /// <summary>
    /// Records what became of a round's notifications in one statement (their leases end): the sender
    /// writes a round's outcomes together, not one round trip per notification.
    /// </summary>
    public static async Task<int> RecordNotificationsAsync(this RocDbContext db, IReadOnlyCollection<NotificationRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        var update = new NpgsqlBatchCommand("""
            UPDATE notifications AS n
            SET state = r.state, last_error = r.last_error, next_attempt_at = r.next_attempt_at, lease_until = NULL,
                gateway_id = r.gateway_id, sent_at = r.sent_at
            FROM unnest($1, $2, $3, $4, $5, $6) AS r(id, state, last_error, next_attempt_at, gateway_id, sent_at)
            WHERE n.id = r.id
            """)
        {
            Parameters =
            {
                new() { Value = records.Select(r => r.Id).ToArray() },
                new() { Value = records.Select(r => Wire.Name(r.State)).ToArray() },
                new() { Value = records.Select(r => r.LastError).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new() { Value = records.Select(r => r.NextAttemptAt).ToArray() },
                new() { Value = records.Select(r => r.GatewayId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new() { Value = records.Select(r => r.SentAt).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz },
            },
        };
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection())
            {
                BatchCommands = { GenericPlans.Command(), update },
            };
            await batch.ExecuteNonQueryAsync(cancellationToken);
            return update.RecordsAffected;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// Plans a notification unless the same case, step, person and channel already has one: a
    /// redelivered message or a second worker makes no second notification.
    /// </summary>
    public static Task<int> PlanNotificationAsync(this RocDbContext db, Notification n, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"""
            INSERT INTO notifications (id, case_id, step, route_sequence, organisation, person, channel, state, attempts, next_attempt_at, created_at)
            VALUES ({n.Id}, {n.CaseId}, {n.Step}, {n.RouteSequence}, {n.Organisation}, {n.Person}, {Wire.Name(n.Channel)}, {Wire.Name(n.State)}, 0, {n.NextAttemptAt}, {n.CreatedAt})
            ON CONFLICT (case_id, step, person, channel) DO NOTHING
            """, cancellationToken);
}

/// <summary>What became of one leased notification, as the sender records it.</summary>
public sealed record NotificationRecord(
    Guid Id, NotificationState State, string? LastError, DateTimeOffset NextAttemptAt, string? GatewayId, DateTimeOffset? SentAt);
