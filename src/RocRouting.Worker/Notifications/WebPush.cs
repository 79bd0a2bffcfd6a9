using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Lib.Net.Http.EncryptedContentEncoding;
using Lib.Net.Http.WebPush.Authentication;

namespace RocRouting.Worker.Notifications;

/// <summary>What a push service is asked to deliver (RFC 8030): the payload, and how long and how urgently.</summary>
public sealed record WebPushMessage(byte[] Payload, string Topic, bool High, int TimeToLive);

/// <summary>
/// A browser's push subscription with its key imported, and checked on the curve, once: a round that
/// pushes several alerts to one browser encrypts each with the same imported key.
/// </summary>
/// <remarks>
/// Lib.Net.Http.WebPush's client does this per message, and for each also generates a key pair it
/// throws away and parses the browser's key from PEM: twice the CPU of what RFC 8291 needs (README,
/// Performance, S24). The message's content coding (RFC 8188) is still Lib.Net.Http.EncryptedContentEncoding's,
/// and its VAPID token (RFC 8292) Lib.Net.Http.WebPush's.
/// </remarks>
public sealed class WebPushTarget : IDisposable
{
    /// <summary>A push message is one record (RFC 8291, section 4); 4,096 octets, what every push service takes, hold any alert.</summary>
    private const int RecordSize = 4096;

    private static readonly byte[] KeyInfoPrefix = Encoding.ASCII.GetBytes("WebPush: info\0");

    private readonly ECDiffieHellman _browser;
    private readonly ECDiffieHellmanPublicKey _browserKey;
    private readonly byte[] _browserPublic;
    private readonly byte[] _authSecret;

    private WebPushTarget(Uri endpoint, ECDiffieHellman browser, byte[] browserPublic, byte[] authSecret)
    {
        Endpoint = endpoint;
        _browser = browser;
        _browserKey = browser.PublicKey;
        _browserPublic = browserPublic;
        _authSecret = authSecret;
    }

    public Uri Endpoint { get; }

    /// <summary>The VAPID token's audience (RFC 8292): the push service's scheme and host, as Lib.Net.Http.WebPush names it.</summary>
    public string Audience => $"{Endpoint.Scheme}://{Endpoint.Host}";

    /// <summary>
    /// The subscription's keys as the browser gave them (base64url). Throws <see cref="CryptographicException"/>
    /// when the key is not a point of P-256 (registration checks only its length) and <see cref="FormatException"/>
    /// when either is not base64url.
    /// </summary>
    public static WebPushTarget Open(string endpoint, string p256dh, string auth)
    {
        var endpointUri = new Uri(endpoint, UriKind.Absolute);
        var authSecret = Base64Url.DecodeFromChars(auth);
        var browserPublic = Base64Url.DecodeFromChars(p256dh);
        if (browserPublic is not [0x04, ..] || browserPublic.Length != 65)
        {
            throw new CryptographicException("The browser's key is not an uncompressed P-256 point");
        }
        var browser = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = browserPublic[1..33], Y = browserPublic[33..] },
        });
        return new WebPushTarget(endpointUri, browser, browserPublic, authSecret);
    }

    /// <summary>
    /// The request for one message: encrypted with a key pair of its own (RFC 8291), signed with the
    /// service's VAPID key for <see cref="Audience"/>.
    /// </summary>
    public HttpRequestMessage Request(WebPushMessage message, VapidAuthentication vapid)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(vapid);
        using var sender = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var senderPublic = PublicKeyOf(sender);
        var request = new HttpRequestMessage(HttpMethod.Post, Endpoint)
        {
            Content = new Aes128GcmEncodedContent(new ByteArrayContent(message.Payload), KeyingMaterial(sender, senderPublic), senderPublic, RecordSize),
        };
        request.Headers.Add("TTL", message.TimeToLive.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Topic", message.Topic);
        if (message.High)
        {
            request.Headers.Add("Urgency", "high");
        }
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "vapid", vapid.GetVapidSchemeAuthenticationHeaderValueParameter(Audience));
        return request;
    }

    /// <summary>
    /// RFC 8291, section 3.4: the input keying material of the content coding, from the ECDH secret
    /// of <paramref name="sender"/> and the browser's key, the browser's auth secret, and both public keys.
    /// </summary>
    internal byte[] KeyingMaterial(ECDiffieHellman sender, byte[] senderPublic)
    {
        // PRK_key = HMAC-SHA-256(auth_secret, ecdh_secret), the extract step.
        var pseudoRandomKey = sender.DeriveKeyFromHmac(_browserKey, HashAlgorithmName.SHA256, _authSecret);
        // key_info = "WebPush: info" || 0x00 || ua_public || as_public; IKM = the first 32 octets of its expansion.
        return HKDF.Expand(HashAlgorithmName.SHA256, pseudoRandomKey, 32, [.. KeyInfoPrefix, .. _browserPublic, .. senderPublic]);
    }

    /// <summary>Whether the push service took the message (RFC 8030 answers 201; Mozilla's autopush 200 or 202).</summary>
    public static bool Delivered(HttpStatusCode status) => status is HttpStatusCode.Created or HttpStatusCode.OK or HttpStatusCode.Accepted;

    /// <summary>Whether the push service has forgotten the subscription: it is removed.</summary>
    public static bool Gone(HttpStatusCode status) => status is HttpStatusCode.NotFound or HttpStatusCode.Gone;

    private static byte[] PublicKeyOf(ECDiffieHellman key)
    {
        var q = key.ExportParameters(false).Q;
        return [0x04, .. q.X!, .. q.Y!];
    }

    public void Dispose()
    {
        _browserKey.Dispose();
        _browser.Dispose();
    }
}
