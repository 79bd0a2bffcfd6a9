using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using RabbitMQ.Client;

namespace RocRouting.Bench;

/// <summary>What the database and the broker can do on this machine, measured in the same run.</summary>
public static partial class Limits
{
    /// <summary>
    /// pgbench with the intake's transaction shape: one case row and one outbox row into the real,
    /// migrated tables (same indexes), 8 clients. The rows are removed afterwards.
    /// </summary>
    public static async Task<double> PostgresCaseTransactionsPerSecondAsync(int port, string password, string database, string workDir, int seconds)
    {
        var script = Path.Combine(workDir, "intake.pgbench.sql");
        await File.WriteAllTextAsync(script, """
            \set k random(1, 2000000000)
            BEGIN;
            INSERT INTO cases (id, status, urgency, category, home_municipality_code, found_in_municipality_code,
                sealed_personal_identity_number, child_key, sealed_summary, reported_by_officer_id, reported_by_unit,
                police_reference, submitted_by, submitted_by_unit, idempotency_key, request_hash, submitted_at, route_sequence, escalated)
            VALUES (gen_random_uuid(), 'submitted', 'urgent', 'recruitment', '0138', '0180',
                repeat('p', 72), decode(md5(random()::text), 'hex'), repeat('s', 120), 'PA-BENCH-0001', 'RLC Stockholm',
                'BENCH', 'pgbench-' || :client_id, 'RLC Stockholm', 'k-' || :k || '-' || random(), decode(md5(random()::text), 'hex'), now(), 0, false);
            INSERT INTO outbox_messages (id, message_type, payload, created_at, attempts)
            VALUES (gen_random_uuid(), 'RocRouting.Contracts.CaseSubmitted',
                '{"caseId":"00000000-0000-0000-0000-000000000000","urgency":"urgent","category":"recruitment","homeMunicipalityCode":"0138","foundInMunicipalityCode":"0180","submittedAt":"2026-11-23T00:00:00Z"}',
                now(), 0);
            COMMIT;
            """);
        var start = new ProcessStartInfo("pgbench",
            ["-n", "-c", "8", "-j", "2", "-T", seconds.ToString(CultureInfo.InvariantCulture), "-f", script,
             "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", database])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // The server takes SCRAM passwords only (servers.sh).
            Environment = { ["PGPASSWORD"] = password },
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var tps = Tps().Match(output);
        return process.ExitCode == 0 && tps.Success
            ? double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"pgbench failed ({process.ExitCode}): {output} {errors}");
    }

    /// <summary>Persistent publishes with publisher confirms to a durable quorum queue (as the service's queues), 256 in flight.</summary>
    public static async Task<double> BrokerMessagesPerSecondAsync(string url, int seconds)
    {
        var factory = new ConnectionFactory { Uri = new Uri(url), ClientProvidedName = "rocrouting-bench" };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true,
            publisherConfirmationTrackingEnabled: true,
            // No client-side limiter: the semaphore below keeps 256 in flight, and a ThrottlingRateLimiter
            // at that size would add delays near its limit and measure itself instead of the broker.
            outstandingPublisherConfirmationsRateLimiter: null));
        const string queue = "bench-broker-limit";
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
        var body = new byte[400];
        using var inFlight = new SemaphoreSlim(256);
        long confirmed = 0;
        var pending = new List<Task>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            await inFlight.WaitAsync();
            pending.Add(Publish());
            if (pending.Count > 10_000)
            {
                pending.RemoveAll(t => t.IsCompleted);
            }
        }
        await Task.WhenAll(pending);
        var elapsed = clock.Elapsed.TotalSeconds;
        await channel.QueueDeleteAsync(queue);
        return Interlocked.Read(ref confirmed) / elapsed;

        async Task Publish()
        {
            try
            {
                await channel.BasicPublishAsync("", queue, mandatory: true, properties, body);
                Interlocked.Increment(ref confirmed);
            }
            finally
            {
                inFlight.Release();
            }
        }
    }

    [GeneratedRegex(@"tps = ([0-9.]+)")]
    private static partial Regex Tps();
}
