using Npgsql;

namespace RocRouting.Bench;

/// <summary>
/// Which statements a case costs the database, from <c>pg_stat_statements</c> when the server loads it
/// (<c>ROC_PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements" deploy/local/bench.sh</c>): calls
/// and rows per case and time per call for the busiest statements of the latency phase and of the drain (and the
/// planning, with <c>-c pg_stat_statements.track_planning=on</c> too). Without the
/// library the report is skipped; the benchmark's figures do not depend on it.
/// </summary>
public static class Statements
{
    private const int Top = 25;

    /// <summary>Starts counting afresh; false when the server does not load the library.</summary>
    public static async Task<bool> TryResetAsync(NpgsqlDataSource db)
    {
        var loaded = (string?)await db.CreateCommand("SELECT current_setting('shared_preload_libraries')").ExecuteScalarAsync();
        if (loaded is null || !loaded.Contains("pg_stat_statements", StringComparison.Ordinal))
        {
            return false;
        }
        await db.CreateCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").ExecuteNonQueryAsync();
        await db.CreateCommand("SELECT pg_stat_statements_reset()").ExecuteNonQueryAsync();
        return true;
    }

    public static async Task PrintAsync(NpgsqlDataSource db, int cases, Action<string> log)
    {
        await using var command = db.CreateCommand($"""
            SELECT calls, rows, total_exec_time, plans, left(regexp_replace(query, '\s+', ' ', 'g'), 150)
            FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND query NOT LIKE '%pg_stat_statements%'
            ORDER BY calls DESC LIMIT {Top}
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var per = Math.Max(1, cases);
        log($"    statements per case ({cases} cases; calls, rows, ms per call, plans):");
        while (await reader.ReadAsync())
        {
            var calls = reader.GetInt64(0);
            log($"    {(double)calls / per,6:F2} {(double)reader.GetInt64(1) / per,6:F2} {reader.GetDouble(2) / Math.Max(1, calls),7:F3} {(double)reader.GetInt64(3) / per,5:F2}  {reader.GetString(4)}");
        }
        await using var totals = db.CreateCommand(
            """
            SELECT coalesce(sum(calls), 0), coalesce(sum(total_exec_time), 0), coalesce(sum(plans), 0), coalesce(sum(total_plan_time), 0)
            FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            """);
        await using var total = await totals.ExecuteReaderAsync();
        await total.ReadAsync();
        // Plans are counted with pg_stat_statements.track_planning=on only: a statement planned on every call
        // (a new shape, or a prepared one left on custom plans) costs PostgreSQL's CPU that execution time misses.
        log($"    in all {total.GetDecimal(0) / per:F1} statements and {total.GetDouble(1) / per:F2} ms of execution per case"
            + (total.GetInt64(2) > 0 ? $"; {total.GetInt64(2) / (double)per:F2} plans and {total.GetDouble(3) / per:F2} ms of planning per case" : ""));
    }
}

/// <summary>
/// The write-ahead log a phase wrote (<c>pg_stat_wal</c>, PostgreSQL 14+) and the checkpoints that began
/// meanwhile: the first change to a page after a checkpoint logs the whole 8 kB page, so the same cases
/// cost PostgreSQL more while a checkpoint is young than in the middle of its interval. The positions
/// bound the phase for <c>pg_waldump --stats=record --start A --end B</c> (which records, index entries,
/// vacuum), with <c>ROC_BENCH_KEEP=1 ROC_PG_OPTIONS="-c wal_keep_size=4GB"</c> so the segments survive.
/// </summary>
public sealed record WalSnapshot(long Records, long FullPages, decimal Bytes, long Checkpoints, string Position)
{
    public static async Task<WalSnapshot> TakeAsync(NpgsqlDataSource db)
    {
        await using var connection = await db.OpenConnectionAsync();
        // PostgreSQL 17 moved the checkpoint counters from pg_stat_bgwriter to pg_stat_checkpointer.
        var checkpoints = connection.PostgreSqlVersion.Major >= 17
            ? "(SELECT num_timed + num_requested FROM pg_stat_checkpointer)"
            : "(SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)";
        await using var command = new NpgsqlCommand($"SELECT wal_records, wal_fpi, wal_bytes, {checkpoints}, pg_current_wal_insert_lsn()::text FROM pg_stat_wal", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new WalSnapshot(reader.GetInt64(0), reader.GetInt64(1), reader.GetDecimal(2), reader.GetInt64(3), reader.GetString(4));
    }

    public string DescribeSince(WalSnapshot before, int cases)
    {
        var per = (double)Math.Max(1, cases);
        return $"WAL per case {(Records - before.Records) / per:F1} records, {(FullPages - before.FullPages) / per:F2} full pages, "
            + $"{(double)(Bytes - before.Bytes) / per / 1024:F1} kB; checkpoints begun {Checkpoints - before.Checkpoints}; "
            + $"WAL {before.Position} to {Position}";
    }
}
