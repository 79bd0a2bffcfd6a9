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

    [Test]
    public async Task A_request_beyond_the_bound_is_a_503_with_retry_after_and_the_one_in_flight_is_served()
    {
        using var police = Client(TestTokens.PoliceOfficer());
        using var other = Client(TestTokens.Operator());
        var rest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var submission = HalfSentBody.Submit(police, rest.Task);
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
        });
        refused.Dispose();
    }
}

/// <summary>
/// An instance with one place, a queue of ten and a queue target of zero: once a request has left the
/// queue having waited at all while another still waits behind it, the queue is standing, and a new
/// request is refused at once rather than joining it. The queued ones are served, and once the queue
/// has emptied, arrivals queue again.
/// </summary>
public sealed class Refusing_arrivals_while_the_queue_stands : SharedAppTest
{
    private WebApplicationFactory<Program> _api = null!;

    [OneTimeSetUp]
    public void StartAnInstanceWithOnePlaceAndAQueueTargetOfZero() =>
        _api = App.StartAnotherApi(new()
        {
            ["Limits:MaxRequestsInFlight"] = "1",
            ["Limits:QueueLength"] = "10",
            ["Limits:QueueTarget"] = "00:00:00",
            ["Limits:QueueTimeout"] = "00:01:00",
        });

    [OneTimeTearDown]
    public async Task Stop() => await _api.DisposeAsync();

    private HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = RocApp.AddressOf(_api), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Test]
    public async Task A_request_arriving_at_a_standing_queue_is_refused_and_the_queued_ones_are_served()
    {
        using var police = Client(TestTokens.PoliceOfficer());
        using var other = Client(TestTokens.Operator());
        var bound = _api.Services.GetRequiredService<RequestsInFlight>();
        var firstRest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondRest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = HalfSentBody.Submit(police, firstRest.Task);
        await Eventually.Until(() => Task.FromResult(bound.InFlight), n => n == 1, "the first submission to hold the one place");
        var second = HalfSentBody.Submit(police, secondRest.Task);
        await Eventually.Until(() => Task.FromResult(bound.Queued), n => n == 1, "the second submission to queue");
        var third = other.GetAsync("/api/v1/municipalities");
        await Eventually.Until(() => Task.FromResult(bound.Queued), n => n == 2, "a read to queue behind it");

        // The second leaves the queue having waited, and the read still waits behind it.
        firstRest.SetResult();
        using var firstServed = await first;
        await Eventually.Until(() => Task.FromResult(bound.Queued), n => n == 1, "the second submission to take the place");
        var arriving = other.GetAsync("/api/v1/municipalities");
        await Eventually.Until(() => Task.FromResult(arriving.IsCompleted || bound.Queued == 2), done => done, "the arrival to be answered or queued");

        secondRest.SetResult();
        using var refused = await arriving;
        using var secondServed = await second;
        using var thirdServed = await third;
        using var afterwards = await other.GetAsync("/api/v1/municipalities");

        Assert.Multiple(() =>
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the queue stands");
            Assert.That(refused.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(firstServed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(secondServed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "a queued submission is served");
            Assert.That(thirdServed.StatusCode, Is.EqualTo(HttpStatusCode.OK), "so is the read queued behind it");
            Assert.That(afterwards.StatusCode, Is.EqualTo(HttpStatusCode.OK), "an emptied queue takes arrivals again");
        });
    }
}

/// <summary>A body sent in two halves, the second when the test says.</summary>
internal sealed class HalfSentBody(byte[] body, Task rest) : HttpContent
{
    /// <summary>A submission that takes a place (or its turn in the queue) and holds it until <paramref name="rest"/> completes.</summary>
    public static Task<HttpResponseMessage> Submit(HttpClient police, Task rest)
    {
        var content = new HalfSentBody(Encoding.UTF8.GetBytes(CaseRequests.Valid().ToJsonString()), rest);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases") { Content = content };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return police.SendAsync(request);
    }

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
