using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Npgsql;

namespace RocRouting.Bench;

/// <summary>One submission: when it was due (open loop: the schedule, not the send), when it was answered, and how.</summary>
public sealed class Sample
{
    public long DueAt { get; init; }

    /// <summary>When the request left the load generator: later than <see cref="DueAt"/> by its own scheduling.</summary>
    public long SentAt { get; set; }

    public long AnsweredAt { get; set; }

    public int Status { get; set; }

    public Guid? CaseId { get; set; }

    public string? Error { get; set; }

    public bool Accepted => Status == (int)HttpStatusCode.Accepted && CaseId is not null;
}

/// <summary>Submits fictitious cases through the HTTP API with a real police token.</summary>
public sealed class Intake(HttpClient client, string token)
{
    // Every participating municipality, so routing sees the real mix of calendars.
    private static readonly string[] Municipalities =
    [
        "0114", "0115", "0117", "0120", "0123", "0125", "0126", "0127", "0128", "0136", "0138", "0139", "0140",
        "0160", "0162", "0163", "0180", "0181", "0182", "0183", "0184", "0186", "0187", "0188", "0191", "0192",
    ];

    private static readonly string[] Urgencies = ["immediate", "urgent", "urgent", "routine"];

    /// <summary>
    /// <c>ROC_BENCH_HOME</c>: unset, a random participating municipality per case (so the hour decides who
    /// takes it); <c>none</c>, no home municipality, so the socialjour takes every case at any hour (the
    /// night's load on its consoles, measurable by day); or one municipality code for every case.
    /// </summary>
    private static readonly string? FixedHome = Environment.GetEnvironmentVariable("ROC_BENCH_HOME") switch
    {
        null or "" => null,
        "none" => "null",
        { Length: 4 } code when code.All(char.IsAsciiDigit) => $"\"{code}\"",
        var other => throw new ArgumentException($"ROC_BENCH_HOME is 'none' or a four-digit municipality code, not '{other}'."),
    };

    /// <summary>A submission about an obviously fictitious child (Skatteverket's test person Tolvan Tolvansson), from a random participating municipality unless <c>ROC_BENCH_HOME</c> says otherwise.</summary>
    public static string Body()
    {
        var home = FixedHome ?? $"\"{Municipalities[Random.Shared.Next(Municipalities.Length)]}\"";
        var urgency = Urgencies[Random.Shared.Next(Urgencies.Length)];
        return $$"""
            {"child":{"personalIdentityNumber":"19121212-1212","birthDate":null,"homeMunicipalityCode":{{home}}},
             "foundInMunicipalityCode":"0180","urgency":"{{urgency}}","category":"recruitment",
             "summary":"Benchmark case about the fictitious Tolvan Tolvansson.",
             "reportedBy":{"officerId":"PA-BENCH-0001","unit":"RLC Stockholm","phone":null},"policeReference":"BENCH"}
            """;
    }

    public async Task SendAsync(Sample sample)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases")
        {
            Content = new StringContent(Body(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        try
        {
            sample.SentAt = Stopwatch.GetTimestamp();
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            sample.AnsweredAt = Stopwatch.GetTimestamp();
            sample.Status = (int)response.StatusCode;
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                sample.CaseId = Guid.Parse(System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("caseId").GetString()!);
            }
            else
            {
                sample.Error = $"HTTP {(int)response.StatusCode}";
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            sample.AnsweredAt = Stopwatch.GetTimestamp();
            sample.Error = e.GetType().Name;
        }
    }

    /// <summary>
    /// Open loop: request i is due at start + i/rate and is sent then, whether or not earlier ones
    /// were answered; latency counts from when it was due, so a stalled service cannot hide its
    /// stall by slowing the load (no coordinated omission). The schedule runs on a thread of its own
    /// that sleeps to each instant (<see cref="Pacer"/>) and starts each send itself.
    /// </summary>
    public async Task<Sample[]> OpenLoopAsync(double rate, TimeSpan duration, Action<Sample[]>? started = null, TimeSpan? giveUpAfter = null)
    {
        var total = (int)(rate * duration.TotalSeconds);
        var samples = new Sample[total];
        var sends = new Task[total];
        started?.Invoke(samples);
        var count = await Task.Factory.StartNew(
            () => Schedule(rate, samples, sends, giveUpAfter), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.WhenAll(sends.Take(count));
        return count == total ? samples : samples[..count];
    }

    private int Schedule(double rate, Sample[] samples, Task[] sends, TimeSpan? giveUpAfter)
    {
        var start = Stopwatch.GetTimestamp();
        var oldestUnanswered = 0;
        for (var i = 0; i < samples.Length; i++)
        {
            // A rate the service clearly cannot take (an answer already overdue by giveUpAfter) ends the
            // run early: piling up thousands more requests would only measure the pile.
            while (oldestUnanswered < i && samples[oldestUnanswered].AnsweredAt > 0)
            {
                oldestUnanswered++;
            }
            if (giveUpAfter is { } limit && oldestUnanswered < i && Stopwatch.GetElapsedTime(samples[oldestUnanswered].DueAt) > limit)
            {
                return i;
            }
            var due = start + (long)(i / rate * Stopwatch.Frequency);
            // Never early: a request sent before it was due would shave its lateness off the measure.
            Pacer.SleepUntil(due);
            samples[i] = new Sample { DueAt = due };
            sends[i] = SendAsync(samples[i]);
        }
        return samples.Length;
    }

    /// <summary>Closed loop, as fast as the service takes them: for filling a backlog.</summary>
    public async Task<Sample[]> ClosedLoopAsync(int count, int concurrency)
    {
        var samples = new Sample[count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                samples[i] = new Sample { DueAt = Stopwatch.GetTimestamp() };
                await SendAsync(samples[i]);
            }
        }));
        return samples;
    }
}

/// <summary>
/// Hears every first routing decision the moment it commits: a trigger the benchmark adds to its own
/// database sends NOTIFY on insert into case_routes, and PostgreSQL delivers it at commit.
/// </summary>
public sealed class RoutedListener : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public RoutedListener(string connectionString) => _connection = new NpgsqlConnection(connectionString);

    /// <summary>When each case's first route was heard (a <see cref="Stopwatch"/> timestamp).</summary>
    public ConcurrentDictionary<Guid, long> Routed { get; } = new();

    /// <summary>When each first route's row was inserted, by the database's clock (before its transaction committed).</summary>
    public ConcurrentDictionary<Guid, DateTime> Inserted { get; } = new();

    public static async Task InstallTriggerAsync(NpgsqlDataSource db) =>
        await db.CreateCommand("""
            CREATE OR REPLACE FUNCTION bench_notify_routed() RETURNS trigger AS $$
            BEGIN PERFORM pg_notify('bench_routed', NEW.case_id::text || ' ' || (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);
            RETURN NEW; END $$ LANGUAGE plpgsql;
            DROP TRIGGER IF EXISTS bench_routed ON case_routes;
            CREATE TRIGGER bench_routed AFTER INSERT ON case_routes FOR EACH ROW WHEN (NEW.sequence = 1)
                EXECUTE FUNCTION bench_notify_routed();
            """).ExecuteNonQueryAsync();

    public async Task StartAsync()
    {
        await _connection.OpenAsync();
        _connection.Notification += (_, e) =>
        {
            var heard = Stopwatch.GetTimestamp();
            var parts = e.Payload.Split(' ');
            var caseId = Guid.Parse(parts[0]);
            Routed.TryAdd(caseId, heard);
            if (parts.Length > 1)
            {
                Inserted.TryAdd(caseId, DateTime.UnixEpoch.AddTicks(long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) * 10));
            }
        };
        await using (var listen = new NpgsqlCommand("LISTEN bench_routed", _connection))
        {
            await listen.ExecuteNonQueryAsync();
        }
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                await _connection.WaitAsync(_stop.Token);
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await (_loop ?? Task.CompletedTask);
        }
        catch (OperationCanceledException)
        {
        }
        await _connection.DisposeAsync();
        _stop.Dispose();
    }
}
