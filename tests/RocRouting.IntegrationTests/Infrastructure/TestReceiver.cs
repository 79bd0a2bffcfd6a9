using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>
/// A real HTTP receiver on a free loopback port (Kestrel): each path behaves as a recipient's
/// system might, and every request is recorded with its headers, body and arrival time.
/// </summary>
public sealed class TestReceiver : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, int> _calls = new();
    private WebApplication? _app;

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>While false, the "switch" path answers 503.</summary>
    public bool SwitchOn { get; set; }

    /// <summary>While false, the "switch-2" path answers 503.</summary>
    public bool SecondSwitchOn { get; set; }

    public IEnumerable<ReceivedRequest> On(string path) => Requests.Where(r => r.Path == path);

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapPost("/{name}", async (string name, HttpRequest request, HttpResponse response, CancellationToken aborted) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync(aborted);
            var call = _calls.AddOrUpdate(name, 1, (_, n) => n + 1);
            Requests.Enqueue(new ReceivedRequest("/" + name, request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString()), body, DateTimeOffset.UtcNow));
            switch (name)
            {
                case "ok" or "signal":
                    return Results.Ok();
                case "flaky":
                    return call <= 2 ? Results.StatusCode(500) : Results.Ok();
                case "gone":
                    return Results.StatusCode(410);
                case "slow-down" when call == 1:
                    response.Headers.RetryAfter = "1";
                    return Results.StatusCode(429);
                case "slow-down":
                    return Results.Ok();
                case "come-back-next-year":
                    response.Headers.RetryAfter = "31536000";
                    return Results.StatusCode(503);
                case "switch":
                    return SwitchOn ? Results.Ok() : Results.StatusCode(503);
                case "switch-2":
                    return SecondSwitchOn ? Results.Ok() : Results.StatusCode(503);
                case "hang":
                    await Task.Delay(TimeSpan.FromSeconds(30), aborted);
                    return Results.Ok();
                default:
                    return Results.NotFound();
            }
        });
        // An OTLP/HTTP collector's paths (/v1/traces, /v1/metrics): recorded and accepted.
        _app.MapPost("/v1/{signal}", async (string signal, HttpRequest request, CancellationToken aborted) =>
        {
            using var reader = new StreamReader(request.Body);
            Requests.Enqueue(new ReceivedRequest("/v1/" + signal, request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString()), await reader.ReadToEndAsync(aborted), DateTimeOffset.UtcNow));
            return Results.Ok();
        });
        await _app.StartAsync();
        BaseUrl = new Uri(_app.Urls.First());
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

public sealed record ReceivedRequest(string Path, Dictionary<string, string> Headers, string Body, DateTimeOffset At)
{
    public string DeliveryId => Headers["RocRouting-Delivery-Id"];

    public bool MarkedRepeat => Headers.TryGetValue("RocRouting-Repeat", out var v) && v == "true";
}
