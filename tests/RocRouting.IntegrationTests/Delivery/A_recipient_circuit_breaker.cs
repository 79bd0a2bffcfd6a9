using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using RocRouting.Cases;
using RocRouting.IntegrationTests.Infrastructure;
using RocRouting.Worker.Delivery;

namespace RocRouting.IntegrationTests.Delivery;

/// <summary>The per-recipient pipeline against a real HTTP receiver: one dead endpoint fails fast, the others carry on.</summary>
public sealed class A_recipient_circuit_breaker
{
    private TestReceiver _receiver = null!;
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _receiver = new TestReceiver();
        await _receiver.StartAsync();
        _http = new HttpClient();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _http.Dispose();
        await _receiver.DisposeAsync();
    }

    [Test]
    public async Task Opens_on_repeated_failure_spares_other_recipients_and_closes_when_the_receiver_recovers()
    {
        var pipelines = new WebhookPipelines(
            Options.Create(new DeliveryOptions { ImmediateRetries = 0, AttemptTimeout = TimeSpan.FromSeconds(2) }),
            Options.Create(new WebhookResilienceOptions
            {
                BreakerMinimumThroughput = 3,
                BreakerFailureRatio = 0.5,
                BreakerSamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromMilliseconds(500),
            }));
        await using var _ = pipelines;
        var failing = pipelines.For("home-municipality:0001");
        var healthy = pipelines.For("home-municipality:0002");
        Task<HttpResponseMessage> Send(string path, CancellationToken token) => _http.PostAsync(new Uri(_receiver.BaseUrl, path), null, token);

        for (var i = 0; i < 3; i++)
        {
            using var response = await failing.ExecuteAsync(token => new ValueTask<HttpResponseMessage>(Send("switch", token)));
        }
        var reachedWhileOpen = _receiver.On("/switch").Count();
        Assert.ThrowsAsync<BrokenCircuitException>(async () => await failing.ExecuteAsync(token => new ValueTask<HttpResponseMessage>(Send("switch", token))));
        using var other = await healthy.ExecuteAsync(token => new ValueTask<HttpResponseMessage>(Send("ok", token)));
        Assert.Multiple(() =>
        {
            Assert.That(_receiver.On("/switch").Count(), Is.EqualTo(reachedWhileOpen), "an open circuit does not call the receiver");
            Assert.That(other.IsSuccessStatusCode, Is.True, "another recipient is not affected");
        });

        _receiver.SwitchOn = true;
        var recovered = await Eventually.Until(
            async () =>
            {
                try
                {
                    using var response = await failing.ExecuteAsync(token => new ValueTask<HttpResponseMessage>(Send("switch", token)));
                    return response.IsSuccessStatusCode;
                }
                catch (BrokenCircuitException)
                {
                    return false;
                }
            },
            ok => ok,
            "the circuit to close after the break",
            TimeSpan.FromSeconds(5));
        Assert.That(recovered, Is.True);
    }

    [Test]
    public async Task In_the_worker_an_open_circuit_defers_deliveries_to_the_durable_schedule_without_calling_the_receiver()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero));
        await using var app = await StartWithEkeroDownAsync(clock, "breaker.", new()
        {
            ["Delivery:Webhooks:1:Recipient"] = "home-municipality:0115",
            ["Delivery:Webhooks:1:Url"] = new Uri(_receiver.BaseUrl, "ok").ToString(),
            ["Delivery:Webhooks:1:Secret"] = "webhook-secret-0115",
        });
        using var metrics = new MetricsCapture();
        await OpenEkeroCircuitAsync(app, clock);
        // The circuit is open, so a third is not even tried, and waits on the durable schedule for the break to end,
        // its attempt given back: it never reached the receiver.
        var deferred = await DeliveryToAsync(app, "0125");
        var row = await Eventually.Until(() => app.WithDbAsync(db => db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == deferred)),
            d => d.LastError != null && d.LeaseUntil == null, "the deferred attempt recorded");
        var healthy = await DeliveryToAsync(app, "0115");
        var other = await Eventually.Until(() => app.WithDbAsync(db => db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == healthy)),
            d => d.State == DeliveryState.Delivered, "another recipient's delivery");
        Assert.Multiple(() =>
        {
            Assert.That(row.State, Is.EqualTo(DeliveryState.Pending));
            Assert.That(row.Attempts, Is.Zero, "not sent, so no attempt used up");
            Assert.That(row.LastError, Does.StartWith("circuit open"));
            Assert.That(row.NextAttemptAt, Is.GreaterThan(clock.GetUtcNow().AddMinutes(4)), "after the five-minute break, not the one-minute backoff");
            Assert.That(metrics.Of("rocrouting.deliveries.attempts").Count(m => m.Tags.GetValueOrDefault("outcome") == "circuit-open"
                && m.Tags.GetValueOrDefault("recipient") == "home-municipality:0125"), Is.EqualTo(1));
            Assert.That(other.State, Is.EqualTo(DeliveryState.Delivered), "other recipients are not affected");
        });
    }

    /// <summary>An app whose webhook for Ekerö (0125) points at a closed port; no in-process retries, a five-minute break.</summary>
    private static Task<RocApp> StartWithEkeroDownAsync(ManualClock clock, string prefix, Dictionary<string, string?> more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Delivery:ImmediateRetries"] = "0",
            ["Delivery:FirstRetryDelay"] = "00:01:00",
            ["Delivery:PollInterval"] = "00:00:00.050",
            ["Delivery:Resilience:BreakerMinimumThroughput"] = "2",
            ["Delivery:Resilience:BreakerFailureRatio"] = "0.5",
            ["Delivery:Resilience:BreakDuration"] = "00:05:00",
            ["Delivery:Webhooks:0:Recipient"] = "home-municipality:0125",
            ["Delivery:Webhooks:0:Url"] = $"http://127.0.0.1:{TestServers.FreePorts(1)[0]}/down",
            ["Delivery:Webhooks:0:Secret"] = "webhook-secret-0125",
        };
        foreach (var (k, v) in more)
        {
            settings[k] = v;
        }
        return RocApp.StartAsync(clock, prefix: prefix, extraSettings: settings);
    }

    /// <summary>On a Tuesday morning, two refused connections open the circuit of Ekerö (0125).</summary>
    private static async Task OpenEkeroCircuitAsync(RocApp app, ManualClock clock)
    {
        clock.NextLocal(DayOfWeek.Tuesday, 10);
        for (var i = 0; i < 2; i++)
        {
            var failing = await DeliveryToAsync(app, "0125");
            await Eventually.Until(() => app.WithDbAsync(db => db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == failing)),
                d => d.Attempts == 1 && d.LeaseUntil == null, "a failed attempt recorded");
        }
    }

    private static async Task<Guid> DeliveryToAsync(RocApp app, string municipality)
    {
        var caseId = await StaffActions.SubmitAsync(app, municipality, "urgent");
        await StaffActions.RoutedAsync(app, caseId);
        return await app.WithDbAsync(db => db.Deliveries.Where(d => d.CaseId == caseId && d.Recipient == $"home-municipality:{municipality}").Select(d => d.Id).SingleAsync());
    }

    [Test]
    public async Task A_receiver_down_longer_than_the_attempts_last_fails_no_delivery_while_its_circuit_is_open()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero));
        await using var app = await StartWithEkeroDownAsync(clock, "breaker-long.", new() { ["Delivery:MaxAttempts"] = "2" });
        await OpenEkeroCircuitAsync(app, clock);
        var deferred = await DeliveryToAsync(app, "0125");

        // Polly's break lasts five minutes of real time; on the service's clock the delivery comes due
        // again and again meanwhile, more often than its two attempts.
        for (var round = 0; round < 4; round++)
        {
            var due = (await Eventually.Until(() => app.WithDbAsync(db => db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == deferred)),
                d => d.LastError != null && d.LeaseUntil == null && d.NextAttemptAt > clock.GetUtcNow(), $"deferred, round {round}")).NextAttemptAt;
            clock.Set(due.AddSeconds(1));
        }
        var row = await Eventually.Until(() => app.WithDbAsync(db => db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == deferred)),
            d => d.LeaseUntil == null && d.NextAttemptAt > clock.GetUtcNow(), "deferred once more");
        Assert.Multiple(() =>
        {
            Assert.That(row.State, Is.EqualTo(DeliveryState.Pending), "still waiting for the receiver, not failed");
            Assert.That(row.Attempts, Is.Zero);
        });
    }
}
