using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace RocRouting.Data;

/// <summary>What readiness and the worker's self-monitoring ask the database. Times are the database's clock.</summary>
public static class HealthQueries
{
    public static async Task PingAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT 1");
        await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>How long the oldest unpublished outbox message has waited (0 when none waits).</summary>
    public static async Task<TimeSpan> OldestUnpublishedAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 FROM outbox_messages WHERE dispatched_at IS NULL");
        return TimeSpan.FromSeconds((double)(await command.ExecuteScalarAsync(cancellationToken))!);
    }

    /// <summary>Since any worker's heartbeat last came back through the bus, and since any deadline watcher last completed a round (null: never).</summary>
    public static async Task<(TimeSpan? Heartbeat, TimeSpan? Deadlines)> WorkerAgesAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT extract(epoch FROM now() - max(heartbeat_returned_at))::float8,
                   extract(epoch FROM now() - max(deadlines_checked_at))::float8
            FROM worker_status
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (
            reader.IsDBNull(0) ? null : TimeSpan.FromSeconds(reader.GetDouble(0)),
            reader.IsDBNull(1) ? null : TimeSpan.FromSeconds(reader.GetDouble(1)));
    }

    public sealed record OutboxSample(long Rows, double OldestSeconds);

    /// <summary>
    /// One statement: records this worker instance's status and samples the outbox; instances not
    /// seen for a day are forgotten. <paramref name="deadlinesAgeSeconds"/> is how long ago its
    /// deadline watcher completed a round (null before the first).
    /// </summary>
    public static async Task<OutboxSample> RecordWorkerStatusAsync(
        this RocDbContext db, string instance, bool heartbeatReturned, double? deadlinesAgeSeconds, CancellationToken cancellationToken) =>
        (await db.Database.SqlQuery<OutboxSample>($"""
            WITH status AS (
                INSERT INTO worker_status (instance, heartbeat_returned_at, deadlines_checked_at, seen_at)
                VALUES ({instance},
                        CASE WHEN {heartbeatReturned} THEN now() END,
                        now() - make_interval(secs => {deadlinesAgeSeconds}),
                        now())
                ON CONFLICT (instance) DO UPDATE SET
                    heartbeat_returned_at = coalesce(excluded.heartbeat_returned_at, worker_status.heartbeat_returned_at),
                    deadlines_checked_at = coalesce(excluded.deadlines_checked_at, worker_status.deadlines_checked_at),
                    seen_at = excluded.seen_at),
            forgotten AS (
                DELETE FROM worker_status WHERE seen_at < now() - interval '1 day')
            SELECT count(*) AS "Rows", coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS "OldestSeconds"
            FROM outbox_messages WHERE dispatched_at IS NULL
            """).ToListAsync(cancellationToken)).Single();
}
