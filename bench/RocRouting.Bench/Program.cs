// The end-to-end benchmark (deploy/local/bench.sh starts the servers and runs this). Everything is
// measured in one run on one machine: the database's and broker's own limits beside the service's
// latency, throughput, backlog drain and memory, with a loss check at the end.

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using RocRouting.Bench;

var setting = (string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;
var root = setting("ROC_BENCH_ROOT", Directory.GetCurrentDirectory());
if (args is ["faults", ..])
{
    // The fault matrix against deploy/local/cluster.sh (deploy/local/faults.sh runs this).
    return await Faults.RunAsync(root, claims => Token(root, claims), setting);
}
var work = setting("ROC_BENCH_WORK", Path.Combine(Path.GetTempPath(), "roc-bench"));
var pgPort = int.Parse(setting("ROC_BENCH_PG_PORT", "55432"), CultureInfo.InvariantCulture);
var amqpPort = int.Parse(setting("ROC_BENCH_AMQP_PORT", "55672"), CultureInfo.InvariantCulture);
var httpPort = int.Parse(setting("ROC_BENCH_HTTP_PORT", "58080"), CultureInfo.InvariantCulture);
var limitSeconds = int.Parse(setting("ROC_BENCH_LIMIT_S", "15"), CultureInfo.InvariantCulture);
var steadyRate = double.Parse(setting("ROC_BENCH_STEADY_RATE", "50"), CultureInfo.InvariantCulture);
var steadySeconds = int.Parse(setting("ROC_BENCH_STEADY_S", "30"), CultureInfo.InvariantCulture);
var trialSeconds = int.Parse(setting("ROC_BENCH_TRIAL_S", "60"), CultureInfo.InvariantCulture);
var firstTrialRate = double.Parse(setting("ROC_BENCH_FIRST_RATE", "250"), CultureInfo.InvariantCulture);
var drainCount = int.Parse(setting("ROC_BENCH_DRAIN", "10000"), CultureInfo.InvariantCulture);
var consoleCount = int.Parse(setting("ROC_BENCH_CONSOLES", "20"), CultureInfo.InvariantCulture);
var consoleRate = double.Parse(setting("ROC_BENCH_CONSOLE_RATE", "7"), CultureInfo.InvariantCulture);
var consoleSeconds = int.Parse(setting("ROC_BENCH_CONSOLE_S", "30"), CultureInfo.InvariantCulture);
var overloadSeconds = int.Parse(setting("ROC_BENCH_OVERLOAD_S", "60"), CultureInfo.InvariantCulture);
var resultsDir = setting("ROC_BENCH_RESULTS", Path.Combine(root, "bench", "results"));
// A subset of phases makes a quick loop while working on one figure (e.g. "drain"); the skipped ones report 0,
// so only a run of every phase becomes latest.json.
string[] allPhases = ["limits", "latency", "consoles", "throughput", "overload", "drain"];
var phases = setting("ROC_BENCH_PHASES", string.Join(',', allPhases)).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet();
var fullRun = phases.SetEquals(allPhases);
Directory.CreateDirectory(work);
Directory.CreateDirectory(resultsDir);

const string database = "rocrouting_bench";
// The superuser's password servers.sh generated beside the data (bench.sh keeps it in the work folder;
// a folder made before servers.sh used passwords has none, and trust).
var pgPasswordFile = Path.Combine(work, "servers", "postgres-password");
var pgPassword = File.Exists(pgPasswordFile) ? File.ReadAllText(pgPasswordFile).Trim() : "";
var admin = $"Host=127.0.0.1;Port={pgPort};Username=postgres;Password={pgPassword};Database=postgres";
// The service's own pool size applies (Database:MaxPoolSize, or ROC_BENCH_POOL to try another).
var connectionString = $"Host=127.0.0.1;Port={pgPort};Username=postgres;Password={pgPassword};Database={database}";
var amqp = $"amqp://guest:guest@127.0.0.1:{amqpPort}/";
var baseUrl = new Uri($"http://127.0.0.1:{httpPort}");
var bin = Path.Combine("bin", "Release", "net10.0");
var apiDll = setting("ROC_BENCH_API_DLL", Path.Combine(root, "src", "RocRouting.Api", bin, "RocRouting.Api.dll"));
var workerDll = setting("ROC_BENCH_WORKER_DLL", Path.Combine(root, "src", "RocRouting.Worker", bin, "RocRouting.Worker.dll"));
var environment = new Dictionary<string, string>
{
    ["DOTNET_ENVIRONMENT"] = "Development",
    ["ASPNETCORE_ENVIRONMENT"] = "Development",
    ["ConnectionStrings__Postgres"] = connectionString,
    ["RabbitMq__Url"] = amqp,
    ["ASPNETCORE_URLS"] = baseUrl.ToString(),
    // One police token drives the load; the per-client limit has tests of its own.
    ["RateLimiting__PermitsPerMinute"] = "100000000",
    ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
    // As the images set it (deploy/docker); the benchmark's own environment may set another to compare.
    ["MALLOC_ARENA_MAX"] = Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") ?? "2",
};
if (Environment.GetEnvironmentVariable("ROC_BENCH_POOL") is { Length: > 0 } pool)
{
    environment["Database__MaxPoolSize"] = pool;
}
var log = (string text) => Console.WriteLine($"[bench {DateTime.Now:HH:mm:ss}] {text}");

await using (var adminSource = NpgsqlDataSource.Create(admin))
{
    await adminSource.CreateCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)").ExecuteNonQueryAsync();
    await adminSource.CreateCommand($"CREATE DATABASE {database}").ExecuteNonQueryAsync();
}
await using var db = NpgsqlDataSource.Create(connectionString);

log("migrating (schema and broker topology)");
var migrate = new ServiceProcess("migrate", workerDll, environment, Path.Combine(work, "migrate.log"), "migrate");
if (await migrate.RunToEndAsync(TimeSpan.FromMinutes(3)) != 0)
{
    throw new InvalidOperationException($"migrate failed; see {work}/migrate.log");
}

// 1. The machine's limits, in this run.
double pgTps = 0, brokerRate = 0;
if (phases.Contains("limits"))
{
    log($"1/5 limits: pgbench, intake-shaped transaction, 8 clients, {limitSeconds} s");
    pgTps = await Limits.PostgresCaseTransactionsPerSecondAsync(pgPort, pgPassword, database, work, limitSeconds);
    await db.CreateCommand("TRUNCATE cases, outbox_messages CASCADE").ExecuteNonQueryAsync();
    log($"    pg_case_tx_per_s = {pgTps:F0}");
    log($"1/5 limits: RabbitMQ, persistent publishes with confirms, 256 in flight, {limitSeconds} s");
    brokerRate = await Limits.BrokerMessagesPerSecondAsync(amqp, limitSeconds);
    log($"    broker_msgs_per_s = {brokerRate:F0}");
}

await RoutedListener.InstallTriggerAsync(db);
await using var listener = new RoutedListener(connectionString);
await listener.StartAsync();

// The people the cases reach, with a stored roster and a browser at a push service that is this process,
// as in production. ROC_BENCH_ON_DUTY=false leaves them out, as every run before the seventeenth session
// did (then each notification fails for want of a channel and becomes an operator alert).
// ROC_BENCH_SMS=true gives each a mobile number too, at an SMS gateway that is this process: an urgent
// step's push is then followed by an SMS ROC_BENCH_SMS_AFTER later (nobody in the benchmark takes a case).
var onDutyEnabled = setting("ROC_BENCH_ON_DUTY", "true") != "false";
var smsEnabled = onDutyEnabled && setting("ROC_BENCH_SMS", "false") == "true";
await using var onDuty = onDutyEnabled ? await OnDuty.StartAsync() : null;
if (smsEnabled)
{
    environment["Notifications__Sms__BaseUrl"] = onDuty!.SmsGateway.ToString();
    environment["Notifications__Sms__Username"] = "bench";
    environment["Notifications__Sms__Password"] = "bench-only";
    environment["Notifications__Sms__After"] = setting("ROC_BENCH_SMS_AFTER", "00:00:05");
}

var worker = new ServiceProcess("worker", workerDll, environment, Path.Combine(work, "worker.log"));
var api = new ServiceProcess("api", apiDll, environment, Path.Combine(work, "api.log"));
worker.Start();
api.Start();
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
{
    BaseAddress = baseUrl,
    Timeout = TimeSpan.FromSeconds(30),
};
await WaitAsync(async () => (await TryGetAsync(http, "/health/ready")) == 200, TimeSpan.FromSeconds(90), "the service to be ready");
if (onDuty is not null)
{
    await onDuty.RegisterAsync(http, claims => Token(root, claims), phones: smsEnabled);
}
log(!onDutyEnabled ? "    people on duty: none stored (ROC_BENCH_ON_DUTY=false)"
    : smsEnabled ? "    people on duty: stored rosters, a browser each at this process's push service, a mobile number each at its SMS gateway"
    : "    people on duty: stored rosters, a browser each at this process's push service");
var intake = new Intake(http, PoliceToken(root));

var accepted = new List<Guid>();
var progress = new Progress(listener);
using var progressTimer = new Timer(_ => progress.Print(), null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));

// Tiered compilation keeps a fresh process JIT-bound for its first thousands of cases; the phases
// below measure the steady state, so the warm-up runs until that work is done.
var warmupSeconds = int.Parse(setting("ROC_BENCH_WARMUP_S", "60"), CultureInfo.InvariantCulture);
log($"    warming up: {warmupSeconds} s at 100 cases/s (not counted)");
var warmup = await progress.RunAsync("warm-up", () => intake.OpenLoopAsync(100, TimeSpan.FromSeconds(warmupSeconds), progress.Track));
await UntilRoutedAsync(warmup, TimeSpan.FromSeconds(30));
// The tables grew from nothing within the minute; a running system has statistics that autovacuum keeps
// current. Without them the statements the services prepared while the tables were tiny keep plans made
// for tiny tables (measured: sequential scans on cases by id) until autovacuum catches up mid-run.
await db.CreateCommand("ANALYZE").ExecuteNonQueryAsync();

// 2. Latency at a steady rate, and what a case costs there (the figure that decides a slower machine).
Sample[] steady = [];
Dictionary<string, double> steadyCpu = [];
Dictionary<string, double> idleCpu = [];
double steadyBusy = 0;
double steadyStolen = 0;
JsonObject? steadyStages = null;
var routedToPushed = Percentiles.Of([]);
const int IdleSeconds = 10;
const int AfterIdleSeconds = 2;
var afterIdleRoute = Percentiles.Of([]);
if (phases.Contains("latency"))
{
    // What the processes spend with nothing to do (pollers, timers, the broker's schedulers): the part of
    // the CPU per case at a low rate that no change to a case's own path can remove.
    log($"2/5 latency: idle for {IdleSeconds} s first");
    var idleBefore = Cpu.Take(api, worker);
    await Task.Delay(TimeSpan.FromSeconds(IdleSeconds));
    idleCpu = Cpu.PerSecond(idleBefore, Cpu.Take(api, worker));
    log($"    idle: {string.Join(", ", idleCpu.Select(kv => $"{kv.Key} {kv.Value:F1}"))} ms CPU per second (total {idleCpu.Values.Sum():F1})");
    // The first cases after the idle (and after the ANALYZE, which makes every connection plan its
    // statements again) are the night's lone case, not the steady state this phase measures: they are
    // reported apart, and the counted seconds start once the services are running again.
    var afterIdle = await progress.RunAsync("after idle", () => intake.OpenLoopAsync(steadyRate, TimeSpan.FromSeconds(AfterIdleSeconds), progress.Track));
    await UntilRoutedAsync(afterIdle, TimeSpan.FromSeconds(30));
    accepted.AddRange(afterIdle.Where(s => s.Accepted).Select(s => s.CaseId!.Value));
    afterIdleRoute = Percentiles.Of(RouteMs(afterIdle));
    log($"    the first {AfterIdleSeconds} s after the idle, submit-to-routed {afterIdleRoute} (not counted below)");
    var statements = await Statements.TryResetAsync(db);
    log($"2/5 latency: open loop, {steadyRate} cases/s for {steadySeconds} s");
    var walBefore = await WalSnapshot.TakeAsync(db);
    var cpuBefore = Cpu.Take(api, worker);
    var clock = Stages.WallClock.Now();
    steady = await progress.RunAsync("steady", () => intake.OpenLoopAsync(steadyRate, TimeSpan.FromSeconds(steadySeconds), progress.Track));
    await UntilRoutedAsync(steady, TimeSpan.FromSeconds(30));
    (steadyCpu, steadyBusy, steadyStolen) = Cpu.Between(cpuBefore, Cpu.Take(api, worker), steady.Count(s => s.Accepted));
    steadyStages = await Stages.MeasureAsync(db, steady, listener, clock, log);
    routedToPushed = await RoutedToPushedAsync(steady);
    log($"    routed-to-pushed {routedToPushed} (the case routed to its push sent to a person on duty)");
    log($"    {Cpu.Describe(steadyCpu, steadyBusy, steadyStolen)}");
    log($"    {(await WalSnapshot.TakeAsync(db)).DescribeSince(walBefore, steady.Count(s => s.Accepted))}");
    if (statements)
    {
        await Statements.PrintAsync(db, steady.Count(s => s.Accepted), log);
    }
}
accepted.AddRange(steady.Where(s => s.Accepted).Select(s => s.CaseId!.Value));
var steadySubmit = Percentiles.Of(SubmitMs(steady));
var steadyRoute = Percentiles.Of(RouteMs(steady));
log($"    submit-to-202    {steadySubmit}");
log($"    submit-to-routed {steadyRoute}");

// 2b. The web console: page times, and how soon a routed case is on every open console that may see it.
ConsoleFigures? consoleFigures = null;
Dictionary<string, double> consoleCpu = [];
if (phases.Contains("consoles"))
{
    log($"2b/5 consoles: {consoleCount} open consoles, {consoleRate} cases/s for {consoleSeconds} s");
    Cpu.Snapshot? consoleCpuBefore = null;
    consoleFigures = await new Consoles(baseUrl, listener).RunAsync(consoleCount, async () =>
    {
        consoleCpuBefore = Cpu.Take(api, worker);
        var load = await progress.RunAsync("consoles", () => intake.OpenLoopAsync(consoleRate, TimeSpan.FromSeconds(consoleSeconds), progress.Track));
        await UntilRoutedAsync(load, TimeSpan.FromSeconds(30));
        accepted.AddRange(load.Where(s => s.Accepted).Select(s => s.CaseId!.Value));
        // Most of it is the consoles re-reading their queues: CPU per second says what 20 open consoles cost.
        consoleCpu = Cpu.PerSecond(consoleCpuBefore!, Cpu.Take(api, worker));
        log($"    CPU while the consoles listened (ms a second): {string.Join(", ", consoleCpu.Select(kv => $"{kv.Key} {kv.Value:F0}"))}");
        return load;
    }, log);
    log($"    routed-to-event   {consoleFigures.RoutedToEvent}");
    log($"    routed-to-visible {consoleFigures.RoutedToVisible}");
}

// 3. Throughput: the highest rate sustained for a trial with p99 submit-to-routed under 1 s and no errors.
var trials = new List<JsonObject>();
// Peak memory at the sustained rate (the figure the target is about) and over every trial, overloaded ones included.
double rssApi = 0, rssWorker = 0, rssPeakApi = 0, rssPeakWorker = 0;
double? sustained = null;
double? failedAt = null;
var rate = firstTrialRate;
while (phases.Contains("throughput"))
{
    var (pass, trial) = await TrialAsync(rate);
    trials.Add(trial);
    if (pass)
    {
        sustained = rate;
    }
    else
    {
        failedAt = rate;
    }
    if (!pass || rate >= 8000)
    {
        break;
    }
    rate = Math.Round(rate * 1.5 / 10) * 10;
}
// A first trial that fails measures nothing: halve until one passes (or the rate is trivial), then bisect.
while (phases.Contains("throughput") && sustained is null && failedAt is { } failed && failed > 20)
{
    var lower = Math.Round(failed / 2 / 10) * 10;
    var (pass, trial) = await TrialAsync(lower);
    trials.Add(trial);
    if (pass)
    {
        sustained = lower;
    }
    else
    {
        failedAt = lower;
    }
}
// Bisect until the passing and the failing rate are within 15 % of each other: one bisection left
// 570 and 720 apart (the figure could be a fifth below what the service sustains); each further
// one costs a trial.
while (sustained is { } low && failedAt is { } high && high / low > 1.15)
{
    var middle = Math.Round((low + high) / 2 / 10) * 10;
    if (middle <= low || middle >= high)
    {
        break; // rates a step of ten apart
    }
    var (pass, trial) = await TrialAsync(middle);
    trials.Add(trial);
    if (pass)
    {
        sustained = middle;
    }
    else
    {
        failedAt = middle;
    }
}
// A run without the limits phase has no database limit to divide by.
var ratioText = pgTps > 0 ? ((sustained ?? 0) / pgTps).ToString("F3", CultureInfo.InvariantCulture) : "n/a, the limits phase did not run";
log($"    sustained_cases_per_s = {sustained ?? 0:F0} (ratio to pg {ratioText}); peak RSS at that rate api {rssApi:F0} MB, worker {rssWorker:F0} MB; over all trials {rssPeakApi:F0} / {rssPeakWorker:F0} MB");

// 3b. Overload: three times the sustained rate for a minute. What matters is that the instance sheds
// what it cannot take (503 with Retry-After, not timeouts), keeps its memory within its ceiling, and
// answers the cases it accepts in time.
JsonObject? overload = null;
if (phases.Contains("overload") && sustained is > 0)
{
    var overloadRate = sustained.Value * 3;
    log($"3b/5 overload: open loop, {overloadRate} cases/s (3x sustained) for {overloadSeconds} s");
    await QuietAsync("the overload");
    api.ResetPeakRss();
    worker.ResetPeakRss();
    var samples = await progress.RunAsync($"overload {overloadRate}/s", () => intake.OpenLoopAsync(overloadRate, TimeSpan.FromSeconds(overloadSeconds), progress.Track));
    var overloadEnded = Stopwatch.GetTimestamp();
    await UntilRoutedAsync(samples, TimeSpan.FromSeconds(120), quiet: true);
    var (overloadAlertsLeft, overloadAlertsDone) = await AlertsOfTheLoadAsync(overloadEnded);
    log($"    {DescribeAlerts(overloadAlertsLeft, overloadAlertsDone)}");
    accepted.AddRange(samples.Where(s => s.Accepted).Select(s => s.CaseId!.Value));
    var shed = samples.Count(s => s.Status == 503);
    var timedOut = samples.Count(s => s.Status == 0);
    var other = samples.Length - shed - timedOut - samples.Count(s => s.Accepted);
    var acceptedSubmit = Percentiles.Of(SubmitMs(samples));
    var acceptedRoute = Percentiles.Of(RouteMs(samples));
    var shedRate = samples.Length == 0 ? 0 : (double)shed / samples.Length;
    log($"    accepted {samples.Count(s => s.Accepted)}, shed 503 {shed} ({shedRate:P1}), timed out {timedOut}, other {other}; accepted submit {acceptedSubmit}; route {acceptedRoute}; peak RSS api {api.PeakRssMb():F0} MB, worker {worker.PeakRssMb():F0} MB");
    overload = new JsonObject
    {
        ["rate"] = overloadRate, ["seconds"] = overloadSeconds, ["sent"] = samples.Length, ["accepted"] = samples.Count(s => s.Accepted),
        ["shed_503"] = shed, ["shed_rate"] = Math.Round(shedRate, 3), ["timed_out"] = timedOut, ["other_errors"] = other,
        ["accepted_submit_ms"] = Json(acceptedSubmit), ["accepted_route_ms"] = Json(acceptedRoute),
        ["rss_mb"] = new JsonObject { ["api"] = Math.Round(api.PeakRssMb()), ["worker"] = Math.Round(worker.PeakRssMb()) },
        ["alerts_left_when_routed"] = overloadAlertsLeft, ["alerts_sent_s_after_load"] = Math.Round(overloadAlertsDone, 2),
    };
}

// 4. Backlog drain: the worker is down while cases keep coming; then it starts. The issue's figure is
// the drain itself, from the first case routed to the last; the start-up before it is reported apart.
double drainSeconds = 0;
double drainStartUp = 0;
long drainPushes = 0;
double? drainPushedSeconds = null;
long drainTexts = 0;
double? drainTextedSeconds = null;
var drainCpu = new Dictionary<string, double>();
double drainBusyCores = 0;
double drainStolenCores = 0;
long drainAutovacuums = 0;
double drainVacuumSeconds = 0;
double caseSubmittedBytes = 0;
var running = worker;
if (phases.Contains("drain"))
{
    await QuietAsync("the drain");
    // The phases before leave their dead rows to autovacuum, which wakes once a minute and then spends
    // seconds of PostgreSQL's CPU on each table the overload grew by tens of thousands of rows: a drain
    // that met it measured that housekeeping, and whether it met it was the luck of the minute (S25). A
    // worker that was down comes back to a database that kept up its maintenance meanwhile, so the drain
    // starts on a vacuumed one; autovacuum's runs during the drain are still counted and reported.
    drainVacuumSeconds = await VacuumAsync();
    log($"4/5 drain: the earlier phases' dead rows vacuumed ({drainVacuumSeconds:F1} s); worker stopped, {drainCount} cases accepted, then the worker starts");
    await worker.StopAsync();
    // MassTransit's default entity name for the message type (no prefix in the benchmark). Closed before
    // the drain is measured.
    var copies = await MessageCopies.BindAsync(amqp, "RocRouting.Contracts:CaseSubmitted");
    var backlog = await progress.RunAsync("backlog", async () =>
    {
        var filled = await intake.ClosedLoopAsync(drainCount, 64);
        progress.Track(filled);
        return filled;
    });
    accepted.AddRange(backlog.Where(s => s.Accepted).Select(s => s.CaseId!.Value));
    await WaitAsync(async () => await ScalarAsync(db, "SELECT count(*) FROM outbox_messages WHERE dispatched_at IS NULL") == 0,
        TimeSpan.FromMinutes(2), "the API's relay to put the backlog on the broker");
    var (copied, meanBytes) = await copies.MeasureAsync();
    caseSubmittedBytes = Math.Round(meanBytes);
    log($"    the backlog's CaseSubmitted on the broker: {meanBytes:F0} bytes of body a message (the mean of {copied} copies)");
    await copies.DisposeAsync();
    var drainStatements = await Statements.TryResetAsync(db);
    var drainStart = Stopwatch.GetTimestamp();
    running = new ServiceProcess("worker", workerDll, environment, Path.Combine(work, "worker-restarted.log"));
    running.Start();
    var drainCpuBefore = Cpu.Take(api, running);
    var drainWalBefore = await WalSnapshot.TakeAsync(db);
    var autovacuumsBefore = await AutovacuumsAsync();
    drainSeconds = await progress.RunAsync("drain", async () =>
    {
        await UntilRoutedAsync(backlog, TimeSpan.FromMinutes(5));
        return Stopwatch.GetElapsedTime(drainStart).TotalSeconds;
    });
    (drainCpu, drainBusyCores, drainStolenCores) = Cpu.Between(drainCpuBefore, Cpu.Take(api, running), backlog.Length);
    drainAutovacuums = await AutovacuumsAsync() - autovacuumsBefore;
    var firstRouted = backlog.Where(s => s.Accepted && listener.Routed.ContainsKey(s.CaseId!.Value)).Select(s => listener.Routed[s.CaseId!.Value]).DefaultIfEmpty(drainStart).Min();
    drainStartUp = Stopwatch.GetElapsedTime(drainStart, firstRouted).TotalSeconds;
    log($"    drain_{drainCount / 1000}k_s = {drainSeconds - drainStartUp:F2} ({backlog.Length / Math.Max(0.001, drainSeconds - drainStartUp):F0} cases/s), after a start-up of {drainStartUp:F2} s (the worker's start to its first case routed; {drainSeconds:F2} s in all)");
    // Cases routed in each second of the drain: a ramp says the worker is still warming up, a flat line says what a case costs.
    var perSecond = backlog.Where(s => s.Accepted && listener.Routed.ContainsKey(s.CaseId!.Value))
        .GroupBy(s => (int)Stopwatch.GetElapsedTime(firstRouted, listener.Routed[s.CaseId!.Value]).TotalSeconds)
        .OrderBy(g => g.Key).Select(g => g.Count().ToString(CultureInfo.InvariantCulture));
    log($"    routed per second of the drain: {string.Join(' ', perSecond)}");
    // Whether the drain was bound by the machine (about 2 of 2 cores busy) and who spent it; the worker's start-up is included.
    log($"    drain, start-up included: {Cpu.Describe(drainCpu, drainBusyCores, drainStolenCores)}; autovacuum finished {drainAutovacuums} vacuum(s) and analyze(s) meanwhile");
    log($"    {(await WalSnapshot.TakeAsync(db)).DescribeSince(drainWalBefore, backlog.Count(s => s.Accepted))}");
    if (onDuty is not null)
    {
        // The people reached about the backlog: the sender works behind the routing, so its last push may
        // go out well after the last case is routed. Both ends are the database's clock.
        var ids = backlog.Where(s => s.Accepted).Select(s => s.CaseId!.Value).ToArray();
        (drainPushes, drainPushedSeconds) = await SentAfterFirstRoutedAsync(ids, "push");
        log($"    the backlog's {drainPushes} pushes sent {drainPushedSeconds:F2} s after its first case was routed ({drainPushes / Math.Max(0.001, drainPushedSeconds ?? 0):F0} pushes/s)");
        if (smsEnabled)
        {
            // Each urgent step's SMS follows its push after Notifications:Sms:After (nobody takes a case here).
            (drainTexts, drainTextedSeconds) = await SentAfterFirstRoutedAsync(ids, "sms");
            log($"    the backlog's {drainTexts} SMS sent {drainTextedSeconds:F2} s after its first case was routed (the follow-ups wait {environment["Notifications__Sms__After"]} after their push)");
        }
    }
    if (drainStatements)
    {
        await Statements.PrintAsync(db, backlog.Count(s => s.Accepted), log);
    }
}

// 5. Loss check: every case accepted in 2-4 routed exactly once.
log("5/5 loss check");
var routedCounts = new Dictionary<Guid, long>();
await using (var command = db.CreateCommand("SELECT case_id, count(*) FROM case_routes WHERE sequence = 1 AND case_id = ANY($1) GROUP BY case_id"))
{
    command.Parameters.Add(new NpgsqlParameter { Value = accepted.ToArray() });
    await using var reader = await command.ExecuteReaderAsync();
    while (await reader.ReadAsync())
    {
        routedCounts[reader.GetGuid(0)] = reader.GetInt64(1);
    }
}
var lost = accepted.Count(id => !routedCounts.ContainsKey(id));
var duplicated = routedCounts.Count(c => c.Value > 1);
log($"    accepted {accepted.Count}, lost {lost}, duplicated {duplicated}");
if (onDuty is not null)
{
    log($"    pushes delivered to the people on duty: {onDuty.Received}{(smsEnabled ? $"; SMS: {onDuty.Texts}" : "")}");
}
// Where the notifications stand as the run ends: a backlog here is people not yet reached.
var notificationStates = new JsonObject();
await using (var command = db.CreateCommand("SELECT channel || ' ' || state, count(*) FROM notifications GROUP BY 1 ORDER BY 1"))
await using (var reader = await command.ExecuteReaderAsync())
{
    while (await reader.ReadAsync())
    {
        notificationStates[reader.GetString(0)] = reader.GetInt64(1);
    }
}
log($"    notifications by channel and state at the end: {string.Join(", ", notificationStates.Select(kv => $"{kv.Key} {kv.Value}"))}");

await progressTimer.DisposeAsync();
await api.StopAsync();
await running.StopAsync();

// Results: JSON, charts, summary.
var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
var result = new JsonObject
{
    ["timestamp"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
    ["machine"] = new JsonObject { ["cores"] = Environment.ProcessorCount, ["runtime"] = Environment.Version.ToString() },
    ["phases"] = new JsonArray([.. allPhases.Where(phases.Contains).Select(p => (JsonNode)p)]),
    ["pg_case_tx_per_s"] = Math.Round(pgTps),
    ["broker_msgs_per_s"] = Math.Round(brokerRate),
    ["latency_ms"] = new JsonObject { ["submit"] = Json(steadySubmit), ["route"] = Json(steadyRoute), ["route_stages"] = steadyStages, ["route_after_idle"] = Json(afterIdleRoute), ["routed_to_pushed"] = Json(routedToPushed) },
    ["steady_cpu_ms_per_case"] = Figures(steadyCpu),
    ["steady_machine_busy_cores"] = steadyBusy,
    ["steady_machine_stolen_cores"] = steadyStolen,
    ["idle_cpu_ms_per_s"] = Figures(idleCpu),
    ["overload"] = overload,
    ["steady"] = new JsonObject { ["rate"] = steadyRate, ["seconds"] = steadySeconds, ["accepted"] = steady.Count(s => s.Accepted), ["errors"] = steady.Count(s => !s.Accepted) },
    ["sustained_cases_per_s"] = sustained ?? 0,
    ["ratio_to_pg"] = pgTps > 0 ? Math.Round((sustained ?? 0) / pgTps, 3) : null,
    ["trials"] = new JsonArray([.. trials]),
    [$"drain_{drainCount / 1000}k_s"] = Math.Round(drainSeconds - drainStartUp, 2),
    ["drain_startup_s"] = Math.Round(drainStartUp, 2),
    ["drain_vacuum_before_s"] = Math.Round(drainVacuumSeconds, 1),
    ["case_submitted_body_bytes"] = caseSubmittedBytes,
    ["drain_autovacuums"] = drainAutovacuums,
    ["drain_pushes"] = drainPushes,
    ["drain_pushed_s"] = drainPushedSeconds is { } pushed ? Math.Round(pushed, 2) : null,
    ["drain_sms"] = smsEnabled ? drainTexts : null,
    ["drain_sms_sent_s"] = drainTextedSeconds is { } texted ? Math.Round(texted, 2) : null,
    [$"drain_{drainCount / 1000}k_with_startup_s"] = Math.Round(drainSeconds, 2),
    ["drain_cpu_ms_per_case"] = Figures(drainCpu),
    ["drain_machine_busy_cores"] = drainBusyCores,
    ["drain_machine_stolen_cores"] = drainStolenCores,
    ["console"] = consoleFigures is { } c ? new JsonObject
    {
        ["consoles"] = c.Consoles, ["rate"] = consoleRate, ["seconds"] = consoleSeconds,
        ["queue_page_ms"] = Json(c.QueuePage), ["case_page_ms"] = Json(c.CasePage),
        ["routed_to_event_ms"] = Json(c.RoutedToEvent), ["routed_to_visible_ms"] = Json(c.RoutedToVisible),
        ["cpu_ms_per_s"] = new JsonObject([.. consoleCpu.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Math.Round(kv.Value)))]),
    } : null,
    ["rss_mb"] = new JsonObject { ["api"] = Math.Round(rssApi), ["worker"] = Math.Round(rssWorker) },
    ["rss_mb_all_trials"] = new JsonObject { ["api"] = Math.Round(rssPeakApi), ["worker"] = Math.Round(rssPeakWorker) },
    ["lost"] = lost,
    ["duplicated"] = duplicated,
    ["on_duty"] = onDutyEnabled,
    ["pushes_delivered"] = onDuty?.Received,
    ["sms"] = smsEnabled,
    ["sms_delivered"] = smsEnabled ? onDuty!.Texts : null,
    ["notifications_at_end"] = notificationStates,
};
var json = result.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
await File.WriteAllTextAsync(Path.Combine(resultsDir, $"{stamp}.json"), json);
if (fullRun)
{
    await File.WriteAllTextAsync(Path.Combine(resultsDir, "latest.json"), json);
}
Charts.Write(resultsDir, stamp, steady, steadyRate, listener, fullRun);

Console.WriteLine();
Console.WriteLine("| measure | value | target |");
Console.WriteLine("|---|---|---|");
Console.WriteLine($"| pg_case_tx_per_s | {pgTps:F0} | (limit) |");
Console.WriteLine($"| broker_msgs_per_s | {brokerRate:F0} | (limit) |");
Console.WriteLine($"| submit p50/p95/p99/max ms @ {steadyRate}/s | {steadySubmit.P50:F1} / {steadySubmit.P95:F1} / {steadySubmit.P99:F1} / {steadySubmit.Max:F1} | |");
Console.WriteLine($"| route p50/p95/p99/p99.9/max ms @ {steadyRate}/s | {steadyRoute.P50:F1} / {steadyRoute.P95:F1} / {steadyRoute.P99:F1} / {steadyRoute.P999:F1} / {steadyRoute.Max:F1} | p99 <= 10, p99.9 <= 25 |");
Console.WriteLine($"| route p50/p95/max ms, the first {AfterIdleSeconds} s after {IdleSeconds} s of idle (not counted above) | {afterIdleRoute.P50:F1} / {afterIdleRoute.P95:F1} / {afterIdleRoute.Max:F1} | |");
Console.WriteLine($"| routed-to-pushed p50/p95/p99/max ms @ {steadyRate}/s (n) | {routedToPushed.P50:F1} / {routedToPushed.P95:F1} / {routedToPushed.P99:F1} / {routedToPushed.Max:F1} ({routedToPushed.Count}) | |");
Console.WriteLine($"| CPU ms per case @ {steadyRate}/s (all processes) | {steadyCpu.Values.Sum():F2} | <= 2 |");
if (consoleFigures is { } figures)
{
    Console.WriteLine($"| console queue page p50/p95 ms (no load) | {figures.QueuePage.P50:F1} / {figures.QueuePage.P95:F1} | |");
    Console.WriteLine($"| console case page p50/p95 ms (no load) | {figures.CasePage.P50:F1} / {figures.CasePage.P95:F1} | |");
    Console.WriteLine($"| routed-to-visible p50/p95 ms, {figures.Consoles} consoles @ {consoleRate}/s | {figures.RoutedToVisible.P50:F1} / {figures.RoutedToVisible.P95:F1} | p95 <= 250 |");
}
Console.WriteLine($"| sustained_cases_per_s | {sustained ?? 0:F0} | |");
Console.WriteLine($"| ratio_to_pg | {ratioText} | >= 0.30 |");
Console.WriteLine($"| drain_{drainCount / 1000}k_s (start-up apart) | {drainSeconds - drainStartUp:F2} (+ {drainStartUp:F2}) | <= 5 |");
Console.WriteLine($"| the drain's pushes all sent (s after its first case routed; pushes) | {drainPushedSeconds:F2} ({drainPushes}) | |");
Console.WriteLine($"| CaseSubmitted's body on the broker (bytes) | {caseSubmittedBytes:F0} | |");
Console.WriteLine($"| rss_mb api / worker (at the sustained rate) | {rssApi:F0} / {rssWorker:F0} | <= 200 |");
if (overload is not null)
{
    Console.WriteLine($"| overload 3x: shed 503 / timed out / accepted p99 ms / peak RSS api | {overload["shed_rate"]} / {overload["timed_out"]} / {overload["accepted_submit_ms"]!["p99"]} / {overload["rss_mb"]!["api"]} MB | p99 <= 1000 |");
}
Console.WriteLine($"| rss_mb_all_trials api / worker (overloaded trials included) | {rssPeakApi:F0} / {rssPeakWorker:F0} | |");
Console.WriteLine($"| lost / duplicated | {lost} / {duplicated} | 0 / 0 |");
Console.WriteLine();
Console.WriteLine($"Results: {Path.Combine(resultsDir, stamp)}.json{(fullRun ? " (and latest.json)" : $" (phases {string.Join(',', phases)}; latest.json is left to full runs)")}, charts {stamp}-*.png; service logs in {work}");
return lost == 0 && duplicated == 0 ? 0 : 1;

async Task<(bool Pass, JsonObject Trial)> TrialAsync(double trialRate)
{
    log($"3/5 throughput: open loop, {trialRate} cases/s for {trialSeconds} s");
    api.ResetPeakRss();
    worker.ResetPeakRss();
    var walBefore = await WalSnapshot.TakeAsync(db);
    // The peak of a trial can be what the phase before it left (the consoles' heap, decaying): the start is shown beside it.
    var (startRssApi, startRssWorker) = (api.RssMb(), worker.RssMb());
    await QuietAsync($"the {trialRate}/s trial");
    var cpuBefore = Cpu.Take(api, worker);
    var samples = await progress.RunAsync($"{trialRate}/s", () => intake.OpenLoopAsync(trialRate, TimeSpan.FromSeconds(trialSeconds), progress.Track, TimeSpan.FromSeconds(3)));
    var loadEnded = Stopwatch.GetTimestamp();
    var gaveUp = samples.Length < (int)(trialRate * trialSeconds);
    await UntilRoutedAsync(samples, TimeSpan.FromSeconds(60), quiet: true);
    // A case is handed over when a person has it: the trial's CPU includes the alerts it made, sent after its
    // load if the sender fell behind, and the next phase starts without them.
    var (alertsLeft, alertsDone) = await AlertsOfTheLoadAsync(loadEnded);
    var (cpuMs, busyCores, stolenCores) = Cpu.Between(cpuBefore, Cpu.Take(api, worker), samples.Count(s => s.Accepted));
    accepted.AddRange(samples.Where(s => s.Accepted).Select(s => s.CaseId!.Value));
    var errors = samples.Count(s => !s.Accepted);
    var unrouted = samples.Count(s => s.Accepted && !listener.Routed.ContainsKey(s.CaseId!.Value));
    var submit = Percentiles.Of(SubmitMs(samples));
    var route = Percentiles.Of(RouteMs(samples));
    var pass = !gaveUp && errors == 0 && unrouted == 0 && route.P99 < 1000;
    var (trialRssApi, trialRssWorker) = (api.PeakRssMb(), worker.PeakRssMb());
    rssPeakApi = Math.Max(rssPeakApi, trialRssApi);
    rssPeakWorker = Math.Max(rssPeakWorker, trialRssWorker);
    if (pass)
    {
        (rssApi, rssWorker) = (trialRssApi, trialRssWorker);
    }
    log($"    {trialRate}/s: {(pass ? "sustained" : "NOT sustained")}{(gaveUp ? $" (stopped after {samples.Length} cases: answers over 3 s late)" : "")}: errors {errors}, unrouted {unrouted}; submit {submit}; route {route}; peak RSS api {trialRssApi:F0} MB, worker {trialRssWorker:F0} MB (at the start {startRssApi:F0} / {startRssWorker:F0} MB)");
    log($"      {DescribeAlerts(alertsLeft, alertsDone)}");
    log($"      {Cpu.Describe(cpuMs, busyCores, stolenCores)} (its alerts included)");
    log($"      {(await WalSnapshot.TakeAsync(db)).DescribeSince(walBefore, samples.Count(s => s.Accepted))}");
    var (residentApi, residentWorker) = (api.ResidentByKind(), worker.ResidentByKind());
    log($"      resident now: api {ServiceProcess.DescribeResident(residentApi)}; worker {ServiceProcess.DescribeResident(residentWorker)}");
    var firstError = samples.FirstOrDefault(s => s.Error is not null)?.Error;
    return (pass, new JsonObject
    {
        ["rate"] = trialRate, ["seconds"] = trialSeconds, ["pass"] = pass, ["stopped_early"] = gaveUp, ["sent"] = samples.Length, ["errors"] = errors, ["first_error"] = firstError, ["unrouted"] = unrouted,
        ["submit_ms"] = Json(submit), ["route_ms"] = Json(route), ["rss_mb"] = new JsonObject { ["api"] = Math.Round(trialRssApi), ["worker"] = Math.Round(trialRssWorker) },
        ["cpu_ms_per_case"] = Figures(cpuMs), ["machine_busy_cores"] = busyCores, ["machine_stolen_cores"] = stolenCores,
        ["alerts_left_when_routed"] = alertsLeft, ["alerts_sent_s_after_load"] = Math.Round(alertsDone, 2),
        ["resident_mb_after"] = new JsonObject { ["api"] = Figures(residentApi), ["worker"] = Figures(residentWorker) },
    });
}

// The alerts a phase's load left when its cases were routed, and how long after the load the last was sent
// (waited for here, so the next phase starts without them).
async Task<(long Left, double SentAfterLoad)> AlertsOfTheLoadAsync(long loadEnded)
{
    var left = await DueAlertsAsync();
    await QuietAsync(null);
    return (left, Stopwatch.GetElapsedTime(loadEnded).TotalSeconds);
}

static string DescribeAlerts(long left, double sentAfterLoad) =>
    $"alerts still to send when its cases were routed: {left}; all sent {sentAfterLoad:F1} s after the load ended";

// Notifications due and not yet sent, whichever phase made them.
async Task<long> DueAlertsAsync() =>
    await ScalarAsync(db, "SELECT count(*) FROM notifications WHERE state = 'sending' OR (state = 'pending' AND next_attempt_at <= now())");

// Each trial, the overload and the drain start on a quiet machine: not while the sender still works off the
// alerts of the phase before (it works beside the routing, and its backlog would be counted as the next
// phase's cost). Waits at most five minutes; says so when it waited, or gave up.
async Task QuietAsync(string? before)
{
    var start = Stopwatch.GetTimestamp();
    var left = await DueAlertsAsync();
    if (left == 0)
    {
        return;
    }
    try
    {
        await WaitAsync(async () => await DueAlertsAsync() == 0, TimeSpan.FromMinutes(5), "the alerts due to be sent");
        if (before is not null)
        {
            log($"    before {before}: waited {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s for {left} alert(s) left by the phase before");
        }
    }
    catch (TimeoutException)
    {
        log($"    warning: {await DueAlertsAsync()} alert(s) still due after 5 minutes; going on");
    }
}

async Task UntilRoutedAsync(Sample[] samples, TimeSpan timeout, bool quiet = false)
{
    var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
    while (samples.Any(s => s.Accepted && !listener.Routed.ContainsKey(s.CaseId!.Value)))
    {
        if (Stopwatch.GetTimestamp() > deadline)
        {
            if (!quiet)
            {
                log($"    warning: {samples.Count(s => s.Accepted && !listener.Routed.ContainsKey(s.CaseId!.Value))} accepted case(s) not routed within {timeout.TotalSeconds} s");
            }
            return;
        }
        await Task.Delay(20);
    }
}

IReadOnlyCollection<double> SubmitMs(Sample[] samples) =>
    [.. samples.Where(s => s.Accepted).Select(s => Stopwatch.GetElapsedTime(s.DueAt, s.AnsweredAt).TotalMilliseconds)];

IReadOnlyCollection<double> RouteMs(Sample[] samples) =>
    [.. samples.Where(s => s.Accepted && listener.Routed.ContainsKey(s.CaseId!.Value))
        .Select(s => Stopwatch.GetElapsedTime(s.DueAt, listener.Routed[s.CaseId!.Value]).TotalMilliseconds)];

// How soon a routed case's people are reached: the sender works behind the routing, so this waits (with a
// deadline) until none of the cases' pushes is still pending, then reads when each was sent.
async Task<Percentiles> RoutedToPushedAsync(Sample[] samples)
{
    var ids = samples.Where(s => s.Accepted).Select(s => s.CaseId!.Value).ToArray();
    await UntilSentAsync(ids, "push", TimeSpan.FromSeconds(30), "routed-to-pushed counts the sent ones only");
    var ms = new List<double>();
    await using var command = db.CreateCommand(
        """
        SELECT (EXTRACT(EPOCH FROM (n.sent_at - c.routed_at)) * 1000)::float8 FROM notifications n JOIN cases c ON c.id = n.case_id
        WHERE n.case_id = ANY($1) AND n.channel = 'push' AND n.state = 'sent'
        """);
    command.Parameters.Add(new NpgsqlParameter { Value = ids });
    await using var reader = await command.ExecuteReaderAsync();
    while (await reader.ReadAsync())
    {
        ms.Add(reader.GetDouble(0));
    }
    return Percentiles.Of(ms);
}

// Waits (with a deadline) until none of the cases' messages on a channel is still to go; says how many were if it gives up.
async Task UntilSentAsync(Guid[] ids, string channel, TimeSpan timeout, string otherwise)
{
    async Task<long> PendingAsync()
    {
        await using var pending = db.CreateCommand("SELECT count(*) FROM notifications WHERE case_id = ANY($1) AND channel = $2 AND state IN ('pending', 'sending')");
        pending.Parameters.Add(new NpgsqlParameter { Value = ids });
        pending.Parameters.Add(new NpgsqlParameter { Value = channel });
        return (long)(await pending.ExecuteScalarAsync())!;
    }
    try
    {
        // Half a second between polls: after a full run's phases the count over ten thousand cases costs
        // PostgreSQL about 20 ms (S25), and polled ten times a second it took a fifth of a core from the
        // sender it waits for. The figure is the rows' own times, not when the poll saw them.
        await WaitAsync(async () => await PendingAsync() == 0, timeout, $"the cases' {channel} messages to be sent", pollMs: 500);
    }
    catch (TimeoutException)
    {
        log($"    warning: {await PendingAsync()} {channel} message(s) still to go after {timeout.TotalSeconds:F0} s; {otherwise}");
    }
}

// The people reached about a backlog: the sender works behind the routing, so its last message may go out
// well after the last case is routed. How many were sent, and the last one's time after the first case
// was routed, both ends the database's clock.
async Task<(long Sent, double? Seconds)> SentAfterFirstRoutedAsync(Guid[] ids, string channel)
{
    await UntilSentAsync(ids, channel, TimeSpan.FromMinutes(3), "the figure counts the sent ones only");
    await using var span = db.CreateCommand(
        """
        SELECT count(*), EXTRACT(EPOCH FROM (max(n.sent_at) - (SELECT min(routed_at) FROM cases WHERE id = ANY($1))))::float8
        FROM notifications n WHERE n.case_id = ANY($1) AND n.channel = $2 AND n.state = 'sent'
        """);
    span.Parameters.Add(new NpgsqlParameter { Value = ids });
    span.Parameters.Add(new NpgsqlParameter { Value = channel });
    await using var reader = await span.ExecuteReaderAsync();
    await reader.ReadAsync();
    return (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetDouble(1));
}

static JsonObject Figures(IReadOnlyDictionary<string, double> values) => new([.. values.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]);

static JsonObject Json(Percentiles p) => new() { ["p50"] = Number(p.P50), ["p95"] = Number(p.P95), ["p99"] = Number(p.P99), ["p99_9"] = Number(p.P999), ["max"] = Number(p.Max), ["n"] = p.Count };

// A phase that did not run (or measured nothing) has no percentile; JSON has no NaN.
static double? Number(double value) => double.IsNaN(value) ? null : value;

static async Task<int> TryGetAsync(HttpClient client, string path)
{
    try
    {
        using var response = await client.GetAsync(path);
        return (int)response.StatusCode;
    }
    catch (HttpRequestException)
    {
        return 0;
    }
}

static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, int pollMs = 100)
{
    var deadline = DateTime.UtcNow + timeout;
    while (!await condition())
    {
        if (DateTime.UtcNow > deadline)
        {
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for {what}.");
        }
        await Task.Delay(pollMs);
    }
}

// VACUUM (ANALYZE) of the whole benchmark database (its own, on its own server): what autovacuum would
// have done by the time a worker that was down comes back.
async Task<double> VacuumAsync()
{
    var start = Stopwatch.GetTimestamp();
    await using var command = db.CreateCommand("VACUUM (ANALYZE)");
    command.CommandTimeout = 600;
    await command.ExecuteNonQueryAsync();
    return Stopwatch.GetElapsedTime(start).TotalSeconds;
}

// Vacuums and analyzes autovacuum has finished on the database's tables so far.
async Task<long> AutovacuumsAsync() =>
    await ScalarAsync(db, "SELECT coalesce(sum(autovacuum_count + autoanalyze_count), 0) FROM pg_stat_user_tables");

static async Task<long> ScalarAsync(NpgsqlDataSource source, string sql) =>
    Convert.ToInt64(await source.CreateCommand(sql).ExecuteScalarAsync(), CultureInfo.InvariantCulture);

static string PoliceToken(string root, string subject = "bench-officer") =>
    Token(root, new() { ["role"] = "police-officer", ["sub"] = subject, ["unit"] = "RLC Stockholm" });

static string Token(string root, Dictionary<string, object> claims)
{
    // The development key and issuer the API uses locally (as deploy/local/token.sh).
    var settings = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "src", "RocRouting.Api", "appsettings.Development.json")))!;
    var key = Convert.FromBase64String(settings["Auth"]!["DevelopmentSigningKey"]!.GetValue<string>());
    return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "rocrouting-local",
        Audience = "rocrouting",
        Claims = claims,
        Expires = DateTime.UtcNow.AddHours(3),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
    });
}
