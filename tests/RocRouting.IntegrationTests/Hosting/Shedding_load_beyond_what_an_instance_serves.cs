using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using RocRouting.Api.Infrastructure;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Hosting;

/// <summary>
/// An API instance that serves one request at a time and queues none: a submission whose body is
/// still arriving holds the one place, and everything else (but the probes) is answered 503 with
/// Retry-After at once, instead of piling up in memory. The held submission is served in full.
/// </summary>
public sealed class Shedding_load_beyond_what_an_instance_serves : SharedAppTest
{
    private WebApplicationFactory<Program> _api = null!;

    [OneTimeSetUp]
    public void StartAnInstanceThatServesOneRequestAtATime() =>
        _api = App.StartAnotherApi(new() { ["Limits:MaxRequestsInFlight"] = "1", ["Limits:QueueLength"] = "0", ["Limits:RetryAfterSeconds"] = "3" });

    [OneTimeTearDown]
    public async Task Stop() => await _api.DisposeAsync();

    private HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = RocApp.AddressOf(_api), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A body sent in two halves, the second when the test says.</summary>
    private sealed class HalfSentBody(byte[] body, Task rest) : HttpContent
    {

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(body.AsMemory(0, body.Length / 2));
            await stream.FlushAsync();
            await rest;
            await stream.WriteAsync(body.AsMemory(body.Length / 2));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }

    [Test]
    public async Task A_request_beyond_the_bound_is_a_503_with_retry_after_and_the_one_in_flight_is_served()
    {
        using var metrics = new MetricsCapture();
        using var police = Client(TestTokens.PoliceOfficer());
        using var other = Client(TestTokens.Operator());
        var rest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var body = new HalfSentBody(Encoding.UTF8.GetBytes(CaseRequests.Valid().ToJsonString()), rest.Task);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases") { Content = body };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var submission = police.SendAsync(request);
        var bound = _api.Services.GetRequiredService<RequestsInFlight>();
        await Eventually.Until(() => Task.FromResult(bound.InFlight), n => n == 1, "the submission to hold the one place");

        var refused = await other.GetAsync("/api/v1/municipalities");
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        using var live = await other.GetAsync("/health/live");

        rest.SetResult();
        using var served = await submission;
        using var after = await other.GetAsync("/api/v1/municipalities");

        Assert.Multiple(() =>
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(refused.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(3)));
            Assert.That(refused.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo(503));
            Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the probes are not counted");
            Assert.That(served.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the place is free again");
            Assert.That(metrics.Sum("roc.http.requests_refused", ("reason", "queue_full")), Is.EqualTo(1), "the operators see the refusal and why");
        });
        refused.Dispose();
    }
}
