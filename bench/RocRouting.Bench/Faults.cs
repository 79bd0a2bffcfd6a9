using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
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
    int Acknowledged,
    int WebhookItems,
    int WebhookDelivered,
    int DeadlinesFired,
    int DeadlinesLate,
    int Lost,
    int Duplicated,
    int GaveUp,
    double RecoverySeconds,
    double WebhookRecoverySeconds,
    double AcceptedP99Ms,
    long PeakRssMb,
    long PeakProcessRssMb,
    Dictionary<string, int> Answers,
    Dictionary<string, int> AcknowledgementAnswers);

/// <summary>
/// The fault matrix (issue 17): under an open-loop load of police submissions and staff
/// acknowledgements, each fault is injected into the cluster of deploy/local/cluster.sh, the cluster
/// recovers, and every case is accounted for. The police client behaves as a real one must: on an
/// error, a timeout or a 503 it sends the same submission again with the same Idempotency-Key (after
/// Retry-After when given) until it is accepted. Staff acknowledge each case once it is in their inbox,
/// retrying the same way.
/// <para>Lost: accepted (202) and then not stored, not routed, not in its recipient's inbox, an inbox
/// item never delivered to the recipient's webhook, or a deadline that fell due and never fired.
/// Duplicated: one Idempotency-Key answered with two case ids, two first decisions or two inbox items
/// of one kind for one route and recipient, a webhook delivery received twice without the
/// <c>RocRouting-Repeat</c> mark, or a deadline's effect written twice.</para>
/// </summary>
public static class Faults
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Where cluster.sh points every recipient's webhook.</summary>
    public const int ReceiverPort = 5190;

    private sealed record Fault(
        string Name,
        string Description,
        Func<Func<string, Task>, Task> Inject,
        double? Rate = null,
        bool Acknowledge = true,
        TimeSpan? DeliveryLimit = null,
        TimeSpan? DeadlineHorizon = null);

    private sealed class Submission
    {
        public required string Key { get; init; }

        public required string Token { get; init; }

        public Guid? CaseId { get; set; }

        public bool GaveUp { get; set; }

        public int Acknowledging;

        public bool Acknowledged { get; set; }

        public HashSet<Guid> Ids { get; } = [];
    }

    public static async Task<int> RunAsync(string root, Func<Dictionary<string, object>, string> tokenFor, Func<string, string, string> setting)
    {
        var cluster = Path.Combine(root, "deploy", "local", "cluster.sh");
        var baseUrl = new Uri(setting("ROC_URL", "http://127.0.0.1:5100"));
        var connectionString = setting("ConnectionStrings__Postgres", "");
        var rate = double.Parse(setting("ROC_FAULTS_RATE", "10"), CultureInfo.InvariantCulture);
        var overloadRate = double.Parse(setting("ROC_FAULTS_OVERLOAD_RATE", "60"), CultureInfo.InvariantCulture);
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
        var tokens = Enumerable.Range(0, 200)
            .Select(i => tokenFor(new() { ["role"] = "police-officer", ["sub"] = $"fault-officer-{i:D3}", ["unit"] = "RLC Stockholm" }))
            .ToArray();
        var staffTokens = new ConcurrentDictionary<string, string>();
        string StaffToken(string kind, string? municipality, string? service) => staffTokens.GetOrAdd($"{kind}:{municipality}{service}", _ =>
            tokenFor(kind == "home-municipality"
                ? new() { ["role"] = "municipality-staff", ["sub"] = $"fault-staff-{municipality}", ["municipality"] = municipality! }
                : new() { ["role"] = "socialjour-staff", ["sub"] = $"fault-staff-{service}", ["service"] = service! }));
        // No cap on connections: a client waiting for its own connections would time out and blame the service.
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
        {
            BaseAddress = baseUrl,
            Timeout = TimeSpan.FromSeconds(10),
        };
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var receiver = await WebhookReceiver.StartAsync(ReceiverPort);

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

        Func<Func<string, Task>, Task> receiverFor(ReceiverMode mode, TimeSpan duration) => async _ =>
        {
            receiver.Mode = mode;
            await Task.Delay(duration);
            receiver.Mode = ReceiverMode.Answer;
        };

        async Task KillPrimary(Func<string, Task> run)
        {
            var primary = await PrimaryAsync(cluster);
            await run($"kill {primary}");
            await Task.Delay(TimeSpan.FromSeconds(20));
            await run($"start {primary}");
        }

        var faults = new List<Fault>
        {
            // The control row: the same load and accounting with nothing broken.
            new("none", "no fault, 30 s", _ => Task.Delay(TimeSpan.FromSeconds(30))),
            new("rabbit1-kill", "kill -9 of RabbitMQ node 1, back after 15 s", killAndStart("rabbit1", TimeSpan.FromSeconds(15))),
            new("rabbit2-kill", "kill -9 of RabbitMQ node 2, back after 15 s", killAndStart("rabbit2", TimeSpan.FromSeconds(15))),
            new("rabbit3-kill", "kill -9 of RabbitMQ node 3, back after 15 s", killAndStart("rabbit3", TimeSpan.FromSeconds(15))),
            new("broker-down-60s", "all three RabbitMQ nodes killed, back after 60 s", async run =>
            {
                await Task.WhenAll(run("kill rabbit1"), run("kill rabbit2"), run("kill rabbit3"));
                await Task.Delay(TimeSpan.FromSeconds(60));
                await Task.WhenAll(run("start rabbit1"), run("start rabbit2"), run("start rabbit3"));
            }),
            new("pg-primary-kill", "kill -9 of the PostgreSQL primary (Patroni fails over to the synchronous standby), back as a standby after 20 s", KillPrimary),
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
            new("webhook-hang", "every recipient's webhook endpoint hangs (never answers) for 60 s", receiverFor(ReceiverMode.Hang, TimeSpan.FromSeconds(60))),
            new("webhook-500-5min", "every recipient's webhook endpoint answers 500 for 5 minutes",
                receiverFor(ReceiverMode.Fail, TimeSpan.FromMinutes(5)), DeliveryLimit: TimeSpan.FromMinutes(15)),
            // Nobody acknowledges: the first deadlines (cluster.sh sets a one-minute immediate window)
            // fall due while the primary is down and Patroni promotes the standby.
            new("deadlines-failover", "nobody acknowledges; the PostgreSQL primary is killed as the first deadlines fall due on both workers",
                async run =>
                {
                    await Task.Delay(TimeSpan.FromSeconds(45));
                    await KillPrimary(run);
                },
                Acknowledge: false, DeadlineHorizon: TimeSpan.FromSeconds(150)),
            new("overload", $"{overloadRate}/s for 60 s", _ => Task.Delay(TimeSpan.FromSeconds(60)), overloadRate, Acknowledge: false),
        };

        var rows = new List<FaultRow>();
        foreach (var fault in faults.Where(f => only.Count == 0 || only.Contains(f.Name)))
        {
            log($"{fault.Name}: {fault.Description}");
            var answers = new ConcurrentDictionary<string, int>();
            var ackAnswers = new ConcurrentDictionary<string, int>();
            var latencies = new ConcurrentBag<double>();
            var submissions = new ConcurrentBag<Submission>();
            using var stop = new CancellationTokenSource();
            using var sampled = new CancellationTokenSource();
            var peakRss = 0L;
            var peakProcessRss = 0L;
            var sampling = Task.Run(async () =>
            {
                while (!sampled.IsCancellationRequested)
                {
                    var each = ServiceRssMb(root);
                    peakRss = Math.Max(peakRss, each.Sum());
                    peakProcessRss = Math.Max(peakProcessRss, each.DefaultIfEmpty().Max());
                    await Task.Delay(500);
                }
            });
            var loadRate = fault.Rate ?? rate;
            var rowStarted = DateTimeOffset.UtcNow;
            var load = LoadAsync(http, tokens, loadRate, answers, latencies, submissions, stop.Token);
            var acknowledging = fault.Acknowledge
                ? AcknowledgeAsync(http, db, StaffToken, submissions, ackAnswers, stop.Token)
                : Task.CompletedTask;
            await Task.Delay(before);
            var injected = Stopwatch.StartNew();
            await fault.Inject(Run);
            var faultEnded = DateTimeOffset.UtcNow;
            await Task.Delay(after);
            await stop.CancelAsync();
            var loadStopped = DateTimeOffset.UtcNow;
            var sends = await load;
            log($"{fault.Name}: injected for {injected.Elapsed.TotalSeconds:F0} s; waiting for {sends.Count} submissions to be answered");
            await Task.WhenAll(sends);
            await acknowledging;

            var accepted = submissions.Where(s => s.CaseId is not null).ToList();
            var ids = accepted.Select(s => s.CaseId!.Value).ToArray();
            var recovery = await WaitForRoutedAsync(db, ids, TimeSpan.FromMinutes(3)) is null ? (double?)null : await DrainedAsync(db, ids, faultEnded);
            var recoverySeconds = recovery ?? -1;
            if (fault.DeadlineHorizon is { } horizon)
            {
                await WaitForDeadlinesAsync(db, ids, loadStopped + horizon, TimeSpan.FromMinutes(5));
            }
            var webhookRecovery = await WaitForDeliveriesAsync(db, receiver, ids, faultEnded, fault.DeliveryLimit ?? TimeSpan.FromMinutes(5));
            var (stored, routed, inInbox, duplicateDecisions, duplicateItems) = await AccountAsync(db, ids);
            var (items, delivered, unmarkedTwice) = await AccountDeliveriesAsync(db, receiver, ids);
            var (fired, late, duplicateEffects) = await AccountDeadlinesAsync(db, ids);
            var twoIds = submissions.Count(s => s.Ids.Count > 1);
            await sampled.CancelAsync();
            await sampling;
            var row = new FaultRow(
                fault.Name, fault.Description, submissions.Count, accepted.Count, stored, routed, inInbox,
                Acknowledged: accepted.Count(s => s.Acknowledged),
                WebhookItems: items,
                WebhookDelivered: delivered,
                DeadlinesFired: fired,
                DeadlinesLate: late,
                Lost: accepted.Count - Math.Min(stored, Math.Min(routed, inInbox)) + (items - delivered) + late,
                Duplicated: twoIds + duplicateDecisions + duplicateItems + unmarkedTwice + duplicateEffects,
                GaveUp: submissions.Count(s => s.GaveUp),
                recoverySeconds,
                webhookRecovery ?? -1,
                Percentile(latencies, 0.99),
                peakRss,
                peakProcessRss,
                new Dictionary<string, int>(answers.OrderBy(a => a.Key)),
                new Dictionary<string, int>(ackAnswers.OrderBy(a => a.Key)));
            rows.Add(row);
            log($"{fault.Name}: accepted {row.Accepted}, acknowledged {row.Acknowledged}, webhooks {row.WebhookDelivered}/{row.WebhookItems}, "
                + $"deadlines fired {row.DeadlinesFired} (late {row.DeadlinesLate}), lost {row.Lost}, duplicated {row.Duplicated}, gave up {row.GaveUp}, "
                + $"recovered {row.RecoverySeconds:F1} s after (webhooks {row.WebhookRecoverySeconds:F1} s), accepted p99 {row.AcceptedP99Ms:F0} ms, "
                + $"peak RSS {row.PeakRssMb} MB (one process {row.PeakProcessRssMb} MB), "
                + $"answers {string.Join(" ", row.Answers.Select(a => $"{a.Key}:{a.Value}"))}, acknowledgements {string.Join(" ", row.AcknowledgementAnswers.Select(a => $"{a.Key}:{a.Value}"))}");
            // The cluster settles before the next row (a node back in its cluster, a standby caught up).
            await Task.Delay(TimeSpan.FromSeconds(10));
        }

        Directory.CreateDirectory(resultsDir);
        var json = Path.Combine(resultsDir, "faults.json");
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new { at = DateTimeOffset.UtcNow, rate, rows }, Json));
        Console.WriteLine();
        Console.WriteLine("| fault | accepted | acknowledged | webhooks delivered | deadlines fired | lost | duplicated | gave up | recovery (webhooks) | accepted p99 | peak RSS all (one) | answers |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            static string Seconds(double s) => s < 0 ? "not in time" : string.Create(CultureInfo.InvariantCulture, $"{s:F1} s");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Fault} | {r.Accepted} | {r.Acknowledged} | {r.WebhookDelivered}/{r.WebhookItems} | {r.DeadlinesFired} | **{r.Lost}** | **{r.Duplicated}** | {r.GaveUp} | {Seconds(r.RecoverySeconds)} ({Seconds(r.WebhookRecoverySeconds)}) | {r.AcceptedP99Ms:F0} ms | {r.PeakRssMb} ({r.PeakProcessRssMb}) MB | {string.Join(" ", r.Answers.Select(a => $"{a.Key}: {a.Value}"))} |"));
        }
        log($"written to {json}");
        return rows.All(r => r.Lost == 0 && r.Duplicated == 0) ? 0 : 1;
    }

    /// <summary>Open loop at the rate until stopped; each submission retried with its key until accepted (or 3 minutes pass).</summary>
    private static async Task<List<Task>> LoadAsync(
        HttpClient http, string[] tokens, double rate, ConcurrentDictionary<string, int> answers, ConcurrentBag<double> latencies,
        ConcurrentBag<Submission> submissions, CancellationToken stop)
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
            sends.Add(SubmitUntilAcceptedAsync(http, submission, answers, latencies));
        }
        return sends;
    }

    private static async Task SubmitUntilAcceptedAsync(
        HttpClient http, Submission submission, ConcurrentDictionary<string, int> answers, ConcurrentBag<double> latencies)
    {
        var body = Intake.Body();
        var id = await SendUntilDoneAsync<Guid?>(http, answers, TimeSpan.FromMinutes(3), () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", submission.Token);
            request.Headers.Add("Idempotency-Key", submission.Key);
            return request;
        }, async (response, elapsed) =>
        {
            latencies.Add(elapsed.TotalMilliseconds);
            return (Guid?)Guid.Parse(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("caseId").GetString()!);
        });
        lock (submission)
        {
            if (id is { } caseId)
            {
                submission.Ids.Add(caseId);
                submission.CaseId = caseId;
            }
            else
            {
                submission.GaveUp = true;
            }
        }
    }

    /// <summary>
    /// A request sent again (a new message each time) on an error, a timeout, a 408, 429 or 5xx, after
    /// Retry-After when given, with a jittered backoff, until it succeeds or the patience runs out; the
    /// success's value, or default when refused or given up.
    /// </summary>
    private static async Task<T?> SendUntilDoneAsync<T>(
        HttpClient http, ConcurrentDictionary<string, int> answers, TimeSpan patience,
        Func<HttpRequestMessage> request, Func<HttpResponseMessage, TimeSpan, Task<T>> succeeded)
    {
        var giveUp = Stopwatch.StartNew();
        var backoff = TimeSpan.FromMilliseconds(200);
        while (giveUp.Elapsed < patience)
        {
            TimeSpan? retryAfter = null;
            try
            {
                using var message = request();
                var sent = Stopwatch.StartNew();
                using var response = await http.SendAsync(message);
                answers.AddOrUpdate(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
                if (response.IsSuccessStatusCode)
                {
                    return await succeeded(response, sent.Elapsed);
                }
                if ((int)response.StatusCode is >= 400 and < 500 and not 408 and not 429)
                {
                    return default;
                }
                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                answers.AddOrUpdate(e is TaskCanceledException ? "timeout" : "connection", 1, (_, n) => n + 1);
            }
            // Exponential, jittered and capped, never sooner than Retry-After: a thousand clients refused
            // at once must not come back at once.
            var jittered = backoff * (0.5 + Random.Shared.NextDouble());
            await Task.Delay(retryAfter is { } given && given > jittered ? given + (jittered / 2) : jittered);
            backoff = TimeSpan.FromMilliseconds(Math.Min(10_000, backoff.TotalMilliseconds * 2));
        }
        return default;
    }

    /// <summary>
    /// Staff at each recipient acknowledge their cases as they appear in the inbox: every second, the
    /// accepted cases not yet acknowledged are looked up (their latest route), and each is acknowledged
    /// with a token of its recipient. Runs until the load stops and every accepted case is acknowledged,
    /// or three minutes after the load stopped.
    /// </summary>
    private static async Task AcknowledgeAsync(
        HttpClient http, NpgsqlDataSource db, Func<string, string?, string?, string> staffToken, ConcurrentBag<Submission> submissions,
        ConcurrentDictionary<string, int> answers, CancellationToken loadStopped)
    {
        var sends = new List<Task>();
        var patience = new Stopwatch();
        while (!loadStopped.IsCancellationRequested || patience.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (loadStopped.IsCancellationRequested && !patience.IsRunning)
            {
                patience.Start();
            }
            var pending = submissions.Where(s => s.CaseId is not null && !s.Acknowledged && Volatile.Read(ref s.Acknowledging) == 0)
                .ToDictionary(s => s.CaseId!.Value);
            var unsettled = submissions.Any(s => s.CaseId is null && !s.GaveUp);
            if (loadStopped.IsCancellationRequested && !unsettled && pending.Count == 0 && sends.All(t => t.IsCompleted))
            {
                break;
            }
            try
            {
                await using var command = db.CreateCommand("""
                    SELECT DISTINCT ON (case_id) case_id, recipient_kind, recipient_municipality_code, recipient_service_id
                    FROM case_routes WHERE case_id = ANY(@ids) ORDER BY case_id, sequence DESC
                    """);
                command.Parameters.AddWithValue("ids", pending.Keys.ToArray());
                await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
                while (await reader.ReadAsync(CancellationToken.None))
                {
                    var submission = pending[reader.GetGuid(0)];
                    var token = staffToken(reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3));
                    Interlocked.Exchange(ref submission.Acknowledging, 1);
                    sends.Add(AcknowledgeOneAsync(http, submission, token, answers));
                }
            }
            catch (NpgsqlException)
            {
                // The database is away; staff try again in a moment.
            }
            sends.RemoveAll(t => t.IsCompleted);
            await Task.Delay(1000, CancellationToken.None);
        }
        await Task.WhenAll(sends);
    }

    private static async Task AcknowledgeOneAsync(HttpClient http, Submission submission, string token, ConcurrentDictionary<string, int> answers)
    {
        var done = await SendUntilDoneAsync(http, answers, TimeSpan.FromMinutes(2), () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cases/{submission.CaseId}/acknowledgements")
            {
                Content = new StringContent("{}", Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return request;
        }, (_, _) => Task.FromResult(true));
        submission.Acknowledged = done;
        // Refused (the case moved on to another recipient meanwhile): the next round looks it up again.
        Interlocked.Exchange(ref submission.Acknowledging, 0);
    }

    private static double Percentile(ConcurrentBag<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
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
        Task<int> Count(string sql) => CountAsync(db, sql, ids);
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

    /// <summary>Until every deadline of the cases due before the horizon has fired (or the limit passes).</summary>
    private static async Task WaitForDeadlinesAsync(NpgsqlDataSource db, Guid[] ids, DateTimeOffset horizon, TimeSpan limit)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < limit)
        {
            try
            {
                await using var command = db.CreateCommand("""
                    SELECT now() > @horizon AND NOT EXISTS (
                      SELECT 1 FROM case_deadlines WHERE case_id = ANY(@ids) AND fired_at IS NULL AND due_at <= @horizon)
                    """);
                command.Parameters.AddWithValue("ids", ids);
                command.Parameters.AddWithValue("horizon", horizon);
                if (await command.ExecuteScalarAsync() is true)
                {
                    return;
                }
            }
            catch (NpgsqlException)
            {
            }
            await Task.Delay(1000);
        }
    }

    /// <summary>
    /// Until every inbox item of the cases has reached the webhook receiver with a 200 (or the limit
    /// passes); then the seconds from the fault's end until the last item created before then arrived.
    /// </summary>
    private static async Task<double?> WaitForDeliveriesAsync(NpgsqlDataSource db, WebhookReceiver receiver, Guid[] ids, DateTimeOffset faultEnded, TimeSpan limit)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < limit)
        {
            try
            {
                var items = await InboxItemsAsync(db, ids);
                if (items.All(i => receiver.Items.TryGetValue(i.Id, out var got) && got.DeliveredAt is not null))
                {
                    var last = items.Where(i => i.CreatedAt <= faultEnded).Select(i => receiver.Items[i.Id].DeliveredAt!.Value).DefaultIfEmpty(faultEnded).Max();
                    return Math.Max(0, (last - faultEnded).TotalSeconds);
                }
            }
            catch (NpgsqlException)
            {
            }
            await Task.Delay(1000);
        }
        return null;
    }

    private static async Task<List<(Guid Id, DateTimeOffset CreatedAt)>> InboxItemsAsync(NpgsqlDataSource db, Guid[] ids)
    {
        // A case is announced at once; a signal when it is due (the home municipality's next opening), so
        // one due later is not late yet.
        await using var command = db.CreateCommand("SELECT id, created_at FROM inbox_items WHERE case_id = ANY(@ids) AND (kind = 'case' OR due_at <= now())");
        command.Parameters.AddWithValue("ids", ids);
        await using var reader = await command.ExecuteReaderAsync();
        var items = new List<(Guid, DateTimeOffset)>();
        while (await reader.ReadAsync())
        {
            items.Add((reader.GetGuid(0), new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero)));
        }
        return items;
    }

    /// <summary>Inbox items due by now (every recipient has a webhook in the cluster), those delivered with a 200, and those received twice unmarked.</summary>
    private static async Task<(int Items, int Delivered, int UnmarkedTwice)> AccountDeliveriesAsync(NpgsqlDataSource db, WebhookReceiver receiver, Guid[] ids)
    {
        var items = await InboxItemsAsync(db, ids);
        var received = items.Select(i => receiver.Items.GetValueOrDefault(i.Id)).ToList();
        return (items.Count, received.Count(r => r?.DeliveredAt is not null), received.Count(r => r is { Unmarked: > 1 }));
    }

    /// <summary>
    /// Deadlines fired; deadlines more than ten seconds past due and not fired (a miss); and effects
    /// written more often than their deadlines fired (a deadline that fired twice).
    /// </summary>
    private static async Task<(int Fired, int Late, int DuplicateEffects)> AccountDeadlinesAsync(NpgsqlDataSource db, Guid[] ids)
    {
        Task<int> Count(string sql) => CountAsync(db, sql, ids);
        return (
            await Count("SELECT count(*) FROM case_deadlines WHERE case_id = ANY(@ids) AND fired_at IS NOT NULL"),
            await Count("SELECT count(*) FROM case_deadlines WHERE case_id = ANY(@ids) AND fired_at IS NULL AND due_at < now() - interval '10 seconds'"),
            await Count("""
                SELECT count(*) FROM (
                  SELECT case_id, kind, count(*) AS events FROM case_events
                  WHERE case_id = ANY(@ids) AND kind IN ('overdue', 'rerouted', 'escalated') GROUP BY 1, 2) e
                LEFT JOIN (
                  SELECT case_id, CASE kind WHEN 'first-miss' THEN 'overdue' WHEN 'reroute' THEN 'rerouted' ELSE 'escalated' END AS kind, count(*) AS fired
                  FROM case_deadlines WHERE case_id = ANY(@ids) AND fired_at IS NOT NULL GROUP BY 1, 2) d USING (case_id, kind)
                WHERE e.events > coalesce(d.fired, 0)
                """));
    }

    private static async Task<int> CountAsync(NpgsqlDataSource db, string sql, Guid[] ids)
    {
        await using var command = db.CreateCommand(sql);
        command.Parameters.AddWithValue("ids", ids);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Which PostgreSQL is the primary now, as cluster.sh says.</summary>
    private static async Task<string> PrimaryAsync(string cluster)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", $"{cluster} status") { RedirectStandardOutput = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output.Split('\n').FirstOrDefault(l => l.StartsWith("primary", StringComparison.Ordinal))?.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last() ?? "pg1";
    }

    /// <summary>The resident memory of each API and worker (MB), from /proc, by the pids cluster.sh recorded.</summary>
    private static List<long> ServiceRssMb(string root)
    {
        var pids = Path.Combine(Environment.GetEnvironmentVariable("ROC_CLUSTER_DIR") ?? Path.Combine(root, ".cluster"), "pids");
        var mb = new List<long>();
        foreach (var name in new[] { "api1", "api2", "worker1", "worker2" })
        {
            try
            {
                var pid = File.ReadAllText(Path.Combine(pids, name)).Trim();
                var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                mb.Add(line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024);
            }
            catch (IOException)
            {
            }
        }
        return mb;
    }
}
