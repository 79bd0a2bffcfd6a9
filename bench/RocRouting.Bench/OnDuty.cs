using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace RocRouting.Bench;

/// <summary>
/// The people the benchmark's cases reach, set up as in production: a stored duty roster for each
/// organisation the development sign-in has people in (the same people, round the clock, that the
/// Development roster puts on duty when none is stored), and one browser of each person registered for
/// Web Push at a push service that is this process (plain HTTP on loopback, which the service allows in
/// Development only). Without it the benchmark measured neither the routing transaction's roster read
/// nor a sent notification: every notification failed (no channel) and became an operator alert.
/// Optionally each person also gives a mobile number, and this process is the SMS gateway too.
/// </summary>
public sealed class OnDuty : IAsyncDisposable
{
    /// <summary>The organisations and their person, as <c>DevelopmentIdentity</c> names them (the default service is "stockholm").</summary>
    private static readonly (string Organisation, string Role, string? Municipality)[] People =
    [
        ("social-emergency-service:stockholm", "socialjour-staff", null),
        ("home-municipality:0138", "municipality-staff", "0138"),
        ("home-municipality:0180", "municipality-staff", "0180"),
        ("home-municipality:0127", "municipality-staff", "0127"),
        ("operators", "operator", null),
    ];

    private readonly WebApplication _app;
    private long _received;
    private long _texts;

    private OnDuty(WebApplication app) => _app = app;

    /// <summary>Pushes the service delivered to the people's browsers (this push service answered 201 Created).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>SMS the service sent to the people's phones (this gateway took them).</summary>
    public long Texts => Interlocked.Read(ref _texts);

    /// <summary>Where the worker finds this SMS gateway (46elks' API shape: a form POST to {base}sms).</summary>
    public Uri SmsGateway => new($"{_app.Urls.Single()}/a1/");

    /// <summary>
    /// Starts the push service and the SMS gateway, before the services start: the worker is told the
    /// gateway's address in its configuration, as in production.
    /// </summary>
    public static async Task<OnDuty> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var onDuty = new OnDuty(app);
        // RFC 8030: a push service answers 201 Created once it has taken the message.
        app.MapPost("/push/{browser}", (string browser) =>
        {
            Interlocked.Increment(ref onDuty._received);
            return Results.StatusCode(StatusCodes.Status201Created);
        });
        // 46elks answers a sent SMS with the message as JSON, its id among the fields.
        app.MapPost("/a1/sms", () => Results.Json(new { id = $"s{Interlocked.Increment(ref onDuty._texts)}", status = "created" }));
        await app.StartAsync();
        return onDuty;
    }

    /// <summary>
    /// Stores the rosters and registers each person's browser through the API, and, when
    /// <paramref name="phones"/>, a mobile number each (from the range set aside for fiction, 070-1740605 to 699).
    /// </summary>
    public async Task RegisterAsync(HttpClient http, Func<Dictionary<string, object>, string> token, bool phones)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(token);
        var pushService = _app.Urls.Single();
        var operatorToken = token(new() { ["role"] = "operator", ["sub"] = "local-operator" });
        var fictional = 605;
        foreach (var (organisation, role, municipality) in People)
        {
            var person = $"local-{role}{(municipality is null ? "" : "-" + municipality)}";
            string[] days = ["weekdays", "weekend", "holidays"];
            await SendAsync(http, operatorToken, HttpMethod.Put, $"/api/v1/rosters/{organisation}/weekly", new
            {
                duties = new[]
                {
                    new { person, role = "first-responder", days, starts = "00:00", ends = "00:00" },
                    new { person, role = "shift-lead", days, starts = "00:00", ends = "00:00" },
                },
            });
            var claims = new Dictionary<string, object> { ["role"] = role, ["sub"] = person };
            if (municipality is not null)
            {
                claims["municipality"] = municipality;
            }
            using var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            var p = key.ExportParameters(includePrivateParameters: false).Q;
            await SendAsync(http, token(claims), HttpMethod.Post, "/api/v1/me/push-subscriptions", new
            {
                endpoint = $"{pushService}/push/{person}",
                expirationTime = (double?)null,
                keys = new { p256dh = Base64Url([0x04, .. p.X!, .. p.Y!]), auth = Base64Url(RandomNumberGenerator.GetBytes(16)) },
            });
            if (phones)
            {
                await SendAsync(http, token(claims), HttpMethod.Put, "/api/v1/me/mobile-number", new { number = $"070-1740{fictional++}" });
            }
        }
    }

    private static async Task SendAsync(HttpClient http, string token, HttpMethod method, string path, object body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Created))
        {
            throw new InvalidOperationException($"{method} {path}: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
