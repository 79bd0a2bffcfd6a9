using System.Buffers.Binary;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>
/// A push service and the browsers behind it, for the notification tests: it hands out
/// subscriptions (a P-256 key pair and an auth secret each, as a browser makes them), and for every
/// message it receives checks the VAPID signature (RFC 8292) against the service's public key and
/// decrypts the aes128gcm payload (RFC 8291, RFC 8188) with the subscription's keys, as the browser
/// would. A subscription can be made to answer 410 Gone, as a push service does when the browser
/// has dropped it.
/// </summary>
public sealed class TestPushService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Browser> _browsers = new();

    private TestPushService(WebApplication app)
    {
        _app = app;
        Address = LoopbackServer.AddressOf(app.Services);
    }

    public Uri Address { get; }

    /// <summary>A message as the browser's service worker gets it.</summary>
    public sealed record Received(string Subscription, JsonElement Payload, string? Urgency, int? TimeToLive, string? Topic, string VapidSubject, string VapidAudience);

    public ConcurrentQueue<Received> Messages { get; } = new();

    /// <summary>Requests to hold by subscription: the message is taken for the browser, the answer never comes.</summary>
    public HeldRequests Held { get; } = new();

    /// <summary>Messages that failed the checks: a bad signature, a payload that would not decrypt.</summary>
    public ConcurrentQueue<string> Refused { get; } = new();

    private sealed class Browser(string id, ECDiffieHellman key, byte[] auth)
    {
        public string Id { get; } = id;

        public ECDiffieHellman Key { get; } = key;

        public byte[] Auth { get; } = auth;

        public bool Gone { get; set; }
    }

    public static async Task<TestPushService> StartAsync(string vapidPublicKey)
    {
        var builder = LoopbackServer.CreateBuilder();
        var app = builder.Build();
        TestPushService? service = null;
        app.MapPost("/push/{id}", async (string id, HttpContext http) =>
        {
            var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            var answer = service!.Receive(id, http.Request, body.ToArray(), vapidPublicKey);
            await service.Held.HoldIfArmedAsync(id, http.RequestAborted);
            return answer;
        });
        await app.StartAsync();
        service = new TestPushService(app);
        return service;
    }

    /// <summary>A browser's new subscription: the JSON its PushSubscription.toJSON() gives.</summary>
    public object NewSubscription(out string id)
    {
        id = Guid.NewGuid().ToString("N");
        var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var auth = RandomNumberGenerator.GetBytes(16);
        _browsers[id] = new Browser(id, key, auth);
        return new
        {
            endpoint = new Uri(Address, $"/push/{id}").ToString(),
            expirationTime = (double?)null,
            keys = new { p256dh = Base64Url.EncodeToString(PublicKey(key)), auth = Base64Url.EncodeToString(auth) },
        };
    }

    /// <summary>From now on the push service answers 410 Gone for this subscription.</summary>
    public void Forget(string id) => _browsers[id].Gone = true;

    public IEnumerable<Received> For(string id) => Messages.Where(m => m.Subscription == id);

    private IResult Receive(string id, HttpRequest request, byte[] body, string vapidPublicKey)
    {
        if (!_browsers.TryGetValue(id, out var browser) || browser.Gone)
        {
            return Results.StatusCode(StatusCodes.Status410Gone);
        }
        try
        {
            var (subject, audience) = CheckVapid(request.Headers.Authorization.ToString(), vapidPublicKey);
            if (request.Headers.ContentEncoding.ToString() != "aes128gcm")
            {
                throw new InvalidOperationException("Content-Encoding is not aes128gcm");
            }
            var plaintext = Decrypt(body, browser);
            Messages.Enqueue(new Received(
                id,
                JsonDocument.Parse(plaintext).RootElement.Clone(),
                request.Headers["Urgency"].FirstOrDefault(),
                int.TryParse(request.Headers["TTL"].FirstOrDefault(), out var ttl) ? ttl : null,
                request.Headers["Topic"].FirstOrDefault(),
                subject,
                audience));
            return Results.StatusCode(StatusCodes.Status201Created);
        }
        catch (Exception e) when (e is CryptographicException or InvalidOperationException or FormatException or JsonException)
        {
            Refused.Enqueue(e.Message);
            return Results.StatusCode(StatusCodes.Status400BadRequest);
        }
    }

    /// <summary>"vapid t=JWT, k=KEY": the key must be the service's, and the ES256 signature must hold (RFC 8292).</summary>
    private static (string Subject, string Audience) CheckVapid(string authorization, string expectedKey)
    {
        var parts = authorization.StartsWith("vapid ", StringComparison.Ordinal)
            ? authorization[6..].Split(',', StringSplitOptions.TrimEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1])
            : throw new InvalidOperationException("No VAPID authorization");
        if (parts["k"] != expectedKey)
        {
            throw new InvalidOperationException("The VAPID key is not the service's");
        }
        var jwt = parts["t"].Split('.');
        var q = Base64Url.DecodeFromChars(parts["k"]);
        using var ecdsa = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = q[1..33], Y = q[33..65] } });
        if (!ecdsa.VerifyData(Encoding.ASCII.GetBytes($"{jwt[0]}.{jwt[1]}"), Base64Url.DecodeFromChars(jwt[2]), HashAlgorithmName.SHA256))
        {
            throw new CryptographicException("The VAPID signature does not hold");
        }
        var claims = JsonDocument.Parse(Base64Url.DecodeFromChars(jwt[1])).RootElement;
        var expires = DateTimeOffset.FromUnixTimeSeconds(claims.GetProperty("exp").GetInt64());
        if (expires < DateTimeOffset.UtcNow || expires > DateTimeOffset.UtcNow.AddHours(24))
        {
            throw new InvalidOperationException("The VAPID token's expiry is outside 24 hours");
        }
        return (claims.GetProperty("sub").GetString()!, claims.GetProperty("aud").GetString()!);
    }

    /// <summary>RFC 8291 on the receiving side: one aes128gcm record, keys from ECDH, the auth secret and the salt.</summary>
    private static byte[] Decrypt(byte[] body, Browser browser)
    {
        var (_, senderKey, _) = Split(body);
        using var sender = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = senderKey[1..33], Y = senderKey[33..65] },
        });
        var shared = browser.Key.DeriveRawSecretAgreement(sender.PublicKey);
        var keyInfo = Encoding.ASCII.GetBytes("WebPush: info\0").Concat(PublicKey(browser.Key)).Concat(senderKey).ToArray();
        var ikm = HKDF.Expand(HashAlgorithmName.SHA256, HKDF.Extract(HashAlgorithmName.SHA256, shared, browser.Auth), 32, keyInfo);
        return DecryptRecord(body, ikm);
    }

    /// <summary>RFC 8188: the one record of an aes128gcm body, opened with the input keying material <paramref name="ikm"/>.</summary>
    public static byte[] DecryptRecord(byte[] body, byte[] ikm)
    {
        var (salt, _, record) = Split(body);
        var prk = HKDF.Extract(HashAlgorithmName.SHA256, ikm, salt);
        var cek = HKDF.Expand(HashAlgorithmName.SHA256, prk, 16, Encoding.ASCII.GetBytes("Content-Encoding: aes128gcm\0"));
        var nonce = HKDF.Expand(HashAlgorithmName.SHA256, prk, 12, Encoding.ASCII.GetBytes("Content-Encoding: nonce\0"));
        var plain = new byte[record.Length - 16];
        using var aes = new AesGcm(cek, 16);
        aes.Decrypt(nonce, record[..^16], record[^16..], plain);
        // The last record ends with the delimiter 0x02, then padding zeros.
        var end = Array.LastIndexOf(plain, (byte)0x02);
        return end < 0 ? throw new FormatException("No padding delimiter") : plain[..end];
    }

    /// <summary>The header (salt, record size, the sender's key as the key id) and the one record.</summary>
    private static (byte[] Salt, byte[] SenderKey, byte[] Record) Split(byte[] body)
    {
        var recordSize = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(16, 4));
        var keyIdLength = body[20];
        var record = body[(21 + keyIdLength)..];
        if (keyIdLength != 65 || record.Length > recordSize)
        {
            throw new FormatException("Not a single aes128gcm record with the sender's key as its id");
        }
        return (body[..16], body[21..(21 + keyIdLength)], record);
    }

    private static byte[] PublicKey(ECDiffieHellman key)
    {
        var q = key.ExportParameters(false).Q;
        return [0x04, .. q.X!, .. q.Y!];
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (var browser in _browsers.Values)
        {
            browser.Key.Dispose();
        }
    }
}
