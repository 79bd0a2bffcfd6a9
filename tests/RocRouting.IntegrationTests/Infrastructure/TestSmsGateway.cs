using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>
/// A local stand-in for 46elks' SMS API: POST /a1/sms, form-encoded from/to/message, basic
/// authentication, answered with the message as JSON. It can be told to be down (503) for a while.
/// </summary>
public sealed class TestSmsGateway : IAsyncDisposable
{
    public const string Username = "u-test";
    public const string Password = "test-only-sms-secret";

    private readonly WebApplication _app;
    private int _downFor;

    public sealed record Sms(string Id, string From, string To, string Message, string? WhenDelivered);

    public ConcurrentQueue<Sms> Sent { get; } = new();

    /// <summary>Requests to hold by the number they are to (E.164): the SMS is sent, the answer never comes.</summary>
    public HeldRequests Held { get; } = new();

    /// <summary>Requests refused with 503 (the gateway down).</summary>
    public int Refused => _refused;

    private int _refused;

    private TestSmsGateway(WebApplication app) => _app = app;

    public Uri BaseUrl => new(LoopbackServer.AddressOf(_app.Services), "/a1/");

    /// <summary>The next <paramref name="requests"/> requests are answered 503.</summary>
    public void GoDownFor(int requests) => Interlocked.Exchange(ref _downFor, requests);

    public Dictionary<string, string?> WorkerSettings() => new()
    {
        ["Notifications:Sms:BaseUrl"] = BaseUrl.ToString(),
        ["Notifications:Sms:Username"] = Username,
        ["Notifications:Sms:Password"] = Password,
    };

    public static async Task<TestSmsGateway> StartAsync()
    {
        var builder = LoopbackServer.CreateBuilder();
        var app = builder.Build();
        var gateway = new TestSmsGateway(app);
        app.MapPost("/a1/sms", async (HttpContext http) =>
        {
            var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}"));
            if (http.Request.Headers.Authorization.ToString() != expected)
            {
                return Results.StatusCode(StatusCodes.Status401Unauthorized);
            }
            if (Interlocked.Decrement(ref gateway._downFor) >= 0)
            {
                Interlocked.Increment(ref gateway._refused);
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }
            var form = await http.Request.ReadFormAsync();
            var id = $"s{Guid.NewGuid():N}";
            var report = form["whendelivered"].ToString();
            gateway.Sent.Enqueue(new Sms(id, form["from"].ToString(), form["to"].ToString(), form["message"].ToString(), report.Length > 0 ? report : null));
            await gateway.Held.HoldIfArmedAsync(form["to"].ToString(), http.RequestAborted);
            return Results.Json(new { id, status = "created", from = form["from"].ToString(), to = form["to"].ToString() });
        });
        await app.StartAsync();
        return gateway;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
