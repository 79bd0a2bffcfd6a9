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
}
