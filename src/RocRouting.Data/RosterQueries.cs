using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Routing;

namespace RocRouting.Data;

public static class RosterQueries
{
    /// <summary>
    /// An organisation's roster as the pure policy needs it from <paramref name="at"/> on: its weekly
    /// duties and the overrides not ended by then (<see cref="DutyRoster.At"/> picks those in force at an
    /// instant), so a roster kept by <see cref="RosterCache"/> answers for later instants too.
    /// </summary>
    /// <remarks>
    /// Both reads go as one prepared batch: a plan that finds no kept roster reads it before its
    /// transaction writes, a round trip on the path from submitted to routed (README, Performance).
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
                    new("""SELECT person, role, "from", "to", replaces FROM roster_overrides WHERE organisation = $1 AND "to" > $2""")
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
    /// <summary>The contact points of <paramref name="people"/> on one channel (a notification round's), untracked.</summary>
    public static ValueTask<List<ContactPoint>> ContactPointsOfAsync(this RocDbContext db, string[] people, ContactChannel channel, CancellationToken cancellationToken) =>
        ContactPointsOf(db, people, channel).ToListAsync(cancellationToken);

    /// <summary>
    /// The steps of <paramref name="cases"/> whose push a browser showed and sent the receipt of (case,
    /// step, person): no SMS follows those.
    /// </summary>
    public static async Task<HashSet<(Guid CaseId, string Step, string Person)>> PushesShownAsync(this RocDbContext db, Guid[] cases, CancellationToken cancellationToken) =>
        await PushesShown(db, cases).ToHashSetAsync(cancellationToken: cancellationToken);

    // Compiled once: the sender runs these every round, where building and looking up the LINQ
    // query cost more than running it (README, Performance).
    private static readonly Func<RocDbContext, string[], ContactChannel, IAsyncEnumerable<ContactPoint>> ContactPointsOf =
        EF.CompileAsyncQuery((RocDbContext db, string[] people, ContactChannel channel) =>
            db.ContactPoints.AsNoTracking().Where(c => people.Contains(c.Person) && c.Channel == channel));

    private static readonly Func<RocDbContext, Guid[], IAsyncEnumerable<(Guid, string, string)>> PushesShown =
        EF.CompileAsyncQuery((RocDbContext db, Guid[] cases) =>
            db.Notifications.Where(n => cases.Contains(n.CaseId) && n.Channel == ContactChannel.Push && n.DeliveredAt != null)
                .Select(n => new ValueTuple<Guid, string, string>(n.CaseId, n.Step, n.Person)));

    /// <summary>
    /// Marks SMS notifications sending before the gateway is asked, those still pending only; returns
    /// the ids this call marked. Another round that marked one first records its outcome.
    /// </summary>
    public static async Task<HashSet<Guid>> ClaimForSmsAsync(this RocDbContext db, Guid[] ids, CancellationToken cancellationToken) =>
        (await db.Notifications.FromSql($"""
            UPDATE notifications SET state = 'sending' WHERE id = ANY({ids}) AND state = 'pending' RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken)).Select(n => n.Id).ToHashSet();

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
    /// Plans notifications, each unless the same case, step, person and channel already has one: a
    /// redelivered message or a second worker makes no second notification. Returns how many were new.
    /// </summary>
    public static Task<int> PlanNotificationsAsync(this RocDbContext db, IReadOnlyCollection<Notification> planned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planned);
        if (planned.Count == 0)
        {
            return Task.FromResult(0);
        }
        var ids = planned.Select(n => n.Id).ToArray();
        var cases = planned.Select(n => n.CaseId).ToArray();
        var steps = planned.Select(n => n.Step).ToArray();
        var sequences = planned.Select(n => n.RouteSequence).ToArray();
        var organisations = planned.Select(n => n.Organisation).ToArray();
        var people = planned.Select(n => n.Person).ToArray();
        var channels = planned.Select(n => Wire.Name(n.Channel)).ToArray();
        var states = planned.Select(n => Wire.Name(n.State)).ToArray();
        var due = planned.Select(n => n.NextAttemptAt).ToArray();
        var created = planned.Select(n => n.CreatedAt).ToArray();
        return db.Database.ExecuteSqlAsync($"""
            INSERT INTO notifications (id, case_id, step, route_sequence, organisation, person, channel, state, attempts, next_attempt_at, created_at)
            SELECT p.id, p.case_id, p.step, p.route_sequence, p.organisation, p.person, p.channel, p.state, 0, p.next_attempt_at, p.created_at
            FROM unnest({ids}, {cases}, {steps}, {sequences}, {organisations}, {people}, {channels}, {states}, {due}, {created})
                AS p(id, case_id, step, route_sequence, organisation, person, channel, state, next_attempt_at, created_at)
            ON CONFLICT (case_id, step, person, channel) DO NOTHING
            """, cancellationToken);
    }
}

/// <summary>What became of one leased notification, as the sender records it.</summary>
public sealed record NotificationRecord(
    Guid Id, NotificationState State, string? LastError, DateTimeOffset NextAttemptAt, string? GatewayId, DateTimeOffset? SentAt);
