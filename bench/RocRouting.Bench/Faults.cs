using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace RocRouting.Bench;

/// <summary>What one fault did to the service, accounted case by case.</summary>
public sealed record FaultRow(
    string Fault,
    string Injected,
    int Submissions,
    int Accepted,
    int Stored,
    int Routed,
    int InInbox,
    int Lost,
    int Duplicated,
    int GaveUp,
    double RecoverySeconds,
    long PeakRssMb,
    Dictionary<string, int> Answers);

/// <summary>
/// The fault matrix (issue 17): under an open-loop load of police submissions, each fault is injected
/// into the cluster of deploy/local/cluster.sh, the cluster recovers, and every case is accounted for.
/// The client behaves as a real police client must: on an error, a timeout or a 503 it sends the same
/// submission again with the same Idempotency-Key (after Retry-After when given) until it is accepted.
/// <para>Lost: accepted (202) and then not stored, not routed, or not in its recipient's inbox.
/// Duplicated: one Idempotency-Key answered with two case ids, or two first decisions or two inbox
/// items of one kind for one route and recipient.</para>
/// </summary>
public static class Faults
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private sealed record Fault(string Name, string Description, Func<Func<string, Task>, Task> Inject, double? Rate = null);

    private sealed class Submission
    {
        public required string Key { get; init; }

        public required string Token { get; init; }

        public Guid? CaseId { get; set; }

        public bool GaveUp { get; set; }

        public HashSet<Guid> Ids { get; } = [];
    }

    public static async Task<int> RunAsync(string root, Func<string, string> tokenFor, Func<string, string, string> setting)
    {
        var cluster = Path.Combine(root, "deploy", "local", "cluster.sh");
        var baseUrl = new Uri(setting("ROC_URL", "http://127.0.0.1:5100"));
        var connectionString = setting("ConnectionStrings__Postgres", "");
        var rate = double.Parse(setting("ROC_FAULTS_RATE", "20"), CultureInfo.InvariantCulture);
        var overloadRate = double.Parse(setting("ROC_FAULTS_OVERLOAD_RATE", "600"), CultureInfo.InvariantCulture);
        var before = TimeSpan.FromSeconds(double.Parse(setting("ROC_FAULTS_BEFORE_S", "10"), CultureInfo.InvariantCulture));
        var after = TimeSpan.FromSeconds(double.Parse(setting("ROC_FAULTS_AFTER_S", "20"), CultureInfo.InvariantCulture));
        var resultsDir = setting("ROC_BENCH_RESULTS", Path.Combine(root, "bench", "results"));
        var only = setting("ROC_FAULTS", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        if (connectionString.Length == 0)
        {
            Console.Error.WriteLine("Set the cluster's connection settings first: eval \"$(deploy/local/cluster.sh env)\"");
            return 2;
        }
        var log = (string text) => Console.WriteLine($"[faults {DateTime.Now:HH:mm:ss}] {text}");
        // Many officers, as in life: the per-officer rate limit is not what is under test.
        var tokens = Enumerable.Range(0, 200).Select(i => tokenFor($"fault-officer-{i:D3}")).ToArray();
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30), MaxConnectionsPerServer = 512 })
        {
            BaseAddress = baseUrl,
            Timeout = TimeSpan.FromSeconds(10),
        };
        await using var db = NpgsqlDataSource.Create(connectionString);

        async Task Run(string args)
        {
            using var process = Process.Start(new ProcessStartInfo("bash", $"{cluster} {args}") { RedirectStandardError = false })!;
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                log($"cluster.sh {args} exited with {process.ExitCode}");
            }
        }

        Func<Func<string, Task>, Task> killAndStart(string name, TimeSpan down) => async run =>
        {
            await run($"kill {name}");
            await Task.Delay(down);
            await run($"start {name}");
        };

        var faults = new List<Fault>
        {
            new("rabbit1-kill", "kill -9 of RabbitMQ node 1, back after 15 s", killAndStart("rabbit1", TimeSpan.FromSeconds(15))),
            new("rabbit2-kill", "kill -9 of RabbitMQ node 2, back after 15 s", killAndStart("rabbit2", TimeSpan.FromSeconds(15))),
            new("rabbit3-kill", "kill -9 of RabbitMQ node 3, back after 15 s", killAndStart("rabbit3", TimeSpan.FromSeconds(15))),
            new("broker-down-60s", "all three RabbitMQ nodes killed, back after 60 s", async run =>
            {
                await Task.WhenAll(run("kill rabbit1"), run("kill rabbit2"), run("kill rabbit3"));
                await Task.Delay(TimeSpan.FromSeconds(60));
                await Task.WhenAll(run("start rabbit1"), run("start rabbit2"), run("start rabbit3"));
            }),
            new("pg-primary-kill", "kill -9 of the PostgreSQL primary (Patroni fails over to the synchronous standby), back as a standby after 20 s", async run =>
            {
                var primary = await PrimaryAsync(cluster);
                await run($"kill {primary}");
                await Task.Delay(TimeSpan.FromSeconds(20));
                await run($"start {primary}");
            }),
            new("pg-down-30s", "both PostgreSQL servers killed, back after 30 s", async run =>
            {
                await Task.WhenAll(run("kill pg1"), run("kill pg2"));
                await Task.Delay(TimeSpan.FromSeconds(30));
                await Task.WhenAll(run("start pg1"), run("start pg2"));
            }),
            new("worker-kill", "kill -9 of a worker under load, back after 5 s", killAndStart("worker1", TimeSpan.FromSeconds(5))),
            new("api-kill", "kill -9 of an API instance mid-request, back after 5 s", killAndStart("api1", TimeSpan.FromSeconds(5))),
            new("workers-down-60s", "both workers killed, back after 60 s (cases keep arriving)", async run =>
            {
                await Task.WhenAll(run("kill worker1"), run("kill worker2"));
                await Task.Delay(TimeSpan.FromSeconds(60));
                await Task.WhenAll(run("start worker1"), run("start worker2"));
            }),
            new("overload", $"{overloadRate}/s for 60 s", _ => Task.Delay(TimeSpan.FromSeconds(60)), overloadRate),
        };

        var rows = new List<FaultRow>();
        foreach (var fault in faults.Where(f => only.Count == 0 || only.Contains(f.Name)))
        {
            log($"{fault.Name}: {fault.Description}");
            var answers = new ConcurrentDictionary<string, int>();
            var submissions = new ConcurrentBag<Submission>();
            using var stop = new CancellationTokenSource();
            var peakRss = 0L;
            var sampling = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    peakRss = Math.Max(peakRss, ServiceRssMb(root));
                    await Task.Delay(500);
                }
            });
            var loadRate = fault.Rate ?? rate;
            var load = LoadAsync(http, tokens, loadRate, answers, submissions, stop.Token);
            await Task.Delay(before);
            var injected = Stopwatch.StartNew();
            await fault.Inject(Run);
            var faultEnded = DateTimeOffset.UtcNow;
            await Task.Delay(after);
            await stop.CancelAsync();
            var sends = await load;
            log($"{fault.Name}: injected for {injected.Elapsed.TotalSeconds:F0} s; waiting for {sends.Count} submissions to be answered");
            await Task.WhenAll(sends);

            var accepted = submissions.Where(s => s.CaseId is not null).ToList();
            var ids = accepted.Select(s => s.CaseId!.Value).ToArray();
            var recovery = await WaitForRoutedAsync(db, ids, TimeSpan.FromMinutes(3)) is null ? (double?)null : await DrainedAsync(db, ids, faultEnded);
            var recoverySeconds = recovery ?? -1;
            var (stored, routed, inInbox, duplicateDecisions, duplicateItems) = await AccountAsync(db, ids);
            var twoIds = submissions.Count(s => s.Ids.Count > 1);
            await stop.CancelAsync();
            await sampling;
            var row = new FaultRow(
                fault.Name, fault.Description, submissions.Count, accepted.Count, stored, routed, inInbox,
                Lost: accepted.Count - Math.Min(stored, Math.Min(routed, inInbox)),
                Duplicated: twoIds + duplicateDecisions + duplicateItems,
                GaveUp: submissions.Count(s => s.GaveUp),
                recoverySeconds,
                peakRss,
                new Dictionary<string, int>(answers.OrderBy(a => a.Key)));
            rows.Add(row);
            log($"{fault.Name}: accepted {row.Accepted}, lost {row.Lost}, duplicated {row.Duplicated}, gave up {row.GaveUp}, "
                + $"recovered {row.RecoverySeconds:F1} s after, peak RSS {row.PeakRssMb} MB, answers {string.Join(" ", row.Answers.Select(a => $"{a.Key}:{a.Value}"))}");
            // The cluster settles before the next row (a node back in its cluster, a standby caught up).
            await Task.Delay(TimeSpan.FromSeconds(10));
        }

        Directory.CreateDirectory(resultsDir);
        var json = Path.Combine(resultsDir, "faults.json");
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new { at = DateTimeOffset.UtcNow, rate, rows }, Json));
        Console.WriteLine();
        Console.WriteLine("| fault | accepted | routed | lost | duplicated | gave up | recovery | peak RSS (all) | answers |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Fault} | {r.Accepted} | {r.Routed} | **{r.Lost}** | **{r.Duplicated}** | {r.GaveUp} | {(r.RecoverySeconds < 0 ? "not in 3 min" : $"{r.RecoverySeconds:F1} s")} | {r.PeakRssMb} MB | {string.Join(" ", r.Answers.Select(a => $"{a.Key}: {a.Value}"))} |"));
        }
        log($"written to {json}");
        return rows.All(r => r.Lost == 0 && r.Duplicated == 0) ? 0 : 1;
    }

    /// <summary>Open loop at the rate until stopped; each submission retried with its key until accepted (or 3 minutes pass).</summary>
    private static async Task<List<Task>> LoadAsync(
        HttpClient http, string[] tokens, double rate, ConcurrentDictionary<string, int> answers, ConcurrentBag<Submission> submissions, CancellationToken stop)
    {
        var sends = new List<Task>();
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate);
            var wait = due - Stopwatch.GetElapsedTime(start);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, CancellationToken.None);
            }
            var submission = new Submission { Key = Guid.NewGuid().ToString(), Token = tokens[i % tokens.Length] };
            submissions.Add(submission);
            sends.Add(SubmitUntilAcceptedAsync(http, submission, answers));
        }
        return sends;
    }

    private static async Task SubmitUntilAcceptedAsync(HttpClient http, Submission submission, ConcurrentDictionary<string, int> answers)
    {
        var body = Intake.Body();
        var giveUp = Stopwatch.StartNew();
        var backoff = TimeSpan.FromMilliseconds(200);
        while (giveUp.Elapsed < TimeSpan.FromMinutes(3))
        {
            TimeSpan? retryAfter = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", submission.Token);
                request.Headers.Add("Idempotency-Key", submission.Key);
                using var response = await http.SendAsync(request);
                answers.AddOrUpdate(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
                if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
                {
                    var id = Guid.Parse(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("caseId").GetString()!);
                    lock (submission)
                    {
                        submission.Ids.Add(id);
                        submission.CaseId = id;
                    }
                    return;
                }
                if ((int)response.StatusCode is >= 400 and < 500 and not 408 and not 429)
                {
                    submission.GaveUp = true;
                    return;
                }
                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                answers.AddOrUpdate(e is TaskCanceledException ? "timeout" : "connection", 1, (_, n) => n + 1);
            }
            await Task.Delay(retryAfter is { } given && given > backoff ? given : backoff);
            backoff = TimeSpan.FromMilliseconds(Math.Min(5000, backoff.TotalMilliseconds * 2));
        }
        submission.GaveUp = true;
    }

    /// <summary>When every accepted case had been routed (polled), or null if not within the limit.</summary>
    private static async Task<DateTimeOffset?> WaitForRoutedAsync(NpgsqlDataSource db, Guid[] ids, TimeSpan limit)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < limit)
        {
            try
            {
                await using var command = db.CreateCommand("SELECT count(DISTINCT case_id) FROM inbox_items WHERE case_id = ANY(@ids)");
                command.Parameters.AddWithValue("ids", ids);
                if (Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) >= ids.Length)
                {
                    return DateTimeOffset.UtcNow;
                }
            }
            catch (NpgsqlException)
            {
                // The database is still coming back.
            }
            await Task.Delay(500);
        }
        return null;
    }

    /// <summary>
    /// Seconds from the fault's end until the last case submitted before then was in its recipient's
    /// inbox: the backlog the fault left, drained (0 when nothing waited).
    /// </summary>
    private static async Task<double> DrainedAsync(NpgsqlDataSource db, Guid[] ids, DateTimeOffset faultEnded)
    {
        await using var command = db.CreateCommand("""
            SELECT max(i.created_at) FROM inbox_items i JOIN cases c ON c.id = i.case_id
            WHERE c.id = ANY(@ids) AND c.submitted_at <= @ended
            """);
        command.Parameters.AddWithValue("ids", ids);
        command.Parameters.AddWithValue("ended", faultEnded);
        return await command.ExecuteScalarAsync() is DateTime last
            ? Math.Max(0, (new DateTimeOffset(last, TimeSpan.Zero) - faultEnded).TotalSeconds)
            : 0;
    }

    private static async Task<(int Stored, int Routed, int InInbox, int DuplicateDecisions, int DuplicateItems)> AccountAsync(NpgsqlDataSource db, Guid[] ids)
    {
        async Task<int> Count(string sql)
        {
            await using var command = db.CreateCommand(sql);
            command.Parameters.AddWithValue("ids", ids);
            return Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }
        return (
            await Count("SELECT count(*) FROM cases WHERE id = ANY(@ids)"),
            await Count("SELECT count(DISTINCT case_id) FROM case_routes WHERE case_id = ANY(@ids)"),
            await Count("SELECT count(DISTINCT case_id) FROM inbox_items WHERE case_id = ANY(@ids)"),
            await Count("SELECT count(*) FROM (SELECT case_id, sequence FROM case_routes WHERE case_id = ANY(@ids) GROUP BY 1, 2 HAVING count(*) > 1) d"),
            await Count("""
                SELECT count(*) FROM (
                  SELECT route_id, kind, recipient_kind, recipient_municipality_code, recipient_service_id FROM inbox_items
                  WHERE case_id = ANY(@ids) GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1) d
                """));
    }

    /// <summary>Which PostgreSQL is the primary now, as cluster.sh says.</summary>
    private static async Task<string> PrimaryAsync(string cluster)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", $"{cluster} status") { RedirectStandardOutput = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output.Split('\n').FirstOrDefault(l => l.StartsWith("primary", StringComparison.Ordinal))?.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last() ?? "pg1";
    }

    /// <summary>The resident memory of the APIs and workers together, from /proc, by the pids cluster.sh recorded.</summary>
    private static long ServiceRssMb(string root)
    {
        var pids = Path.Combine(Environment.GetEnvironmentVariable("ROC_CLUSTER_DIR") ?? Path.Combine(root, ".cluster"), "pids");
        long kb = 0;
        foreach (var name in new[] { "api1", "api2", "worker1", "worker2" })
        {
            try
            {
                var pid = File.ReadAllText(Path.Combine(pids, name)).Trim();
                var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                kb += line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
            }
        }
        return kb / 1024;
    }
}
