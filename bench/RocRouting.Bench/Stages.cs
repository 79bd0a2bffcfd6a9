using System.Diagnostics;
using System.Text.Json.Nodes;
using Npgsql;

namespace RocRouting.Bench;

/// <summary>
/// Where a case's submit-to-routed time goes, from five instants besides the two the benchmark measures
/// (due, heard): when the load generator sent the request, when the API stamped the case submitted
/// (<c>cases.submitted_at</c>), when the worker decided its route (<c>case_routes.decided_at</c>), and
/// when the route's row was inserted (the trigger's <c>clock_timestamp()</c>). One machine, one clock: the
/// load generator's monotonic timestamps are put on the wall clock through a pair taken at the phase's start.
/// </summary>
public static class Stages
{
    public static readonly string[] Names = ["late", "to_api", "answer", "to_decision", "routing_tx", "commit_heard"];

    private static readonly string[] Descriptions =
    [
        "due to sent (the load generator's own lateness)",
        "sent to stamped submitted (HTTP, authentication, the body)",
        "stamped submitted to answered (the intake transaction, the answer)",
        "stamped submitted to decided (commit, relay, broker, consume)",
        "decided to the route's row inserted (the routing transaction's writes)",
        "inserted to heard (the rest of the transaction, commit, NOTIFY)",
    ];

    /// <summary>A pair of readings of the two clocks, for putting a <see cref="Stopwatch"/> timestamp on the wall clock.</summary>
    public readonly record struct WallClock(DateTime Wall, long Timestamp)
    {
        public static WallClock Now() => new(DateTime.UtcNow, Stopwatch.GetTimestamp());

        public DateTime At(long timestamp) => Wall + Stopwatch.GetElapsedTime(Timestamp, timestamp);
    }

    /// <summary>Each stage's percentiles, and its mean among the slowest 1 % of cases (submit-to-routed at or above its p99).</summary>
    public static async Task<JsonObject?> MeasureAsync(NpgsqlDataSource db, Sample[] samples, RoutedListener listener, WallClock clock, Action<string> log)
    {
        var routed = samples.Where(s => s.Accepted && listener.Routed.ContainsKey(s.CaseId!.Value) && listener.Inserted.ContainsKey(s.CaseId.Value)).ToArray();
        if (routed.Length == 0)
        {
            return null;
        }
        var stamped = new Dictionary<Guid, (DateTime Submitted, DateTime Decided)>();
        await using (var command = db.CreateCommand(
            """
            SELECT c.id, c.submitted_at, r.decided_at FROM cases c
            JOIN case_routes r ON r.case_id = c.id AND r.sequence = 1
            WHERE c.id = ANY($1)
            """))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = routed.Select(s => s.CaseId!.Value).ToArray() });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                stamped[reader.GetGuid(0)] = (reader.GetFieldValue<DateTime>(1), reader.GetFieldValue<DateTime>(2));
            }
        }

        var rows = routed.Where(s => stamped.ContainsKey(s.CaseId!.Value)).Select(s =>
        {
            var id = s.CaseId!.Value;
            var (submitted, decided) = stamped[id];
            var inserted = listener.Inserted[id];
            double Ms(DateTime from, DateTime to) => (to - from).TotalMilliseconds;
            var stages = new[]
            {
                Stopwatch.GetElapsedTime(s.DueAt, s.SentAt).TotalMilliseconds,
                Ms(clock.At(s.SentAt), submitted),
                Ms(submitted, clock.At(s.AnsweredAt)),
                Ms(submitted, decided),
                Ms(decided, inserted),
                Ms(inserted, clock.At(listener.Routed[id])),
            };
            return (Total: Stopwatch.GetElapsedTime(s.DueAt, listener.Routed[id]).TotalMilliseconds, Stages: stages);
        }).ToArray();
        if (rows.Length == 0)
        {
            return null;
        }
        var p99 = Percentiles.Of([.. rows.Select(r => r.Total)]).P99;
        var tail = rows.Where(r => r.Total >= p99).ToArray();
        log($"    where submit-to-routed goes ({rows.Length} cases; mean of each stage in the slowest {tail.Length}, at or above p99 {p99:F1} ms):");
        var result = new JsonObject();
        for (var i = 0; i < Names.Length; i++)
        {
            var all = Percentiles.Of([.. rows.Select(r => r.Stages[i])]);
            var tailMean = Math.Round(tail.Average(r => r.Stages[i]), 2);
            log($"      {Names[i],-13} {all}; slowest {tailMean,6:F1}  {Descriptions[i]}");
            result[Names[i]] = new JsonObject
            {
                ["p50"] = all.P50,
                ["p99"] = all.P99,
                ["max"] = all.Max,
                ["slowest_mean"] = tailMean,
            };
        }
        return result;
    }
}
