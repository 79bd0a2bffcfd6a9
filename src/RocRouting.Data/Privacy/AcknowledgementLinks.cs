using System.Buffers.Binary;
using System.Buffers.Text;

namespace RocRouting.Data.Privacy;

/// <summary>
/// The tokens a notification carries. The link that acknowledges its case from a phone, and the
/// receipt a browser's service worker sends back once it has shown the alert. Each is the
/// notification's id and an expiry, signed with the service's keyed hash, each under its own
/// domain so that one is never taken for the other. They name no person and no case, so they say
/// nothing to whoever sees them; a link works once (the notification records its use) and only
/// until it expires.
/// </summary>
public sealed class AcknowledgementLinks(ChildKeys keys)
{
    private const int SignatureBytes = 16;
    private const int TokenBytes = 16 + 8 + SignatureBytes;

    private delegate byte[] Signer(ReadOnlySpan<byte> value);

    private delegate bool Verifier(ReadOnlySpan<byte> value, ReadOnlySpan<byte> signature);

    public string Create(Guid notificationId, DateTimeOffset expires) => Write(keys.ForLink, notificationId, expires);

    /// <summary>The notification a well-signed link names, and whether it has expired; false for anything forged or malformed.</summary>
    public bool TryRead(string? token, DateTimeOffset now, out Guid notificationId, out bool expired) =>
        TryRead(keys.IsLinkSignature, token, now, out notificationId, out expired);

    public string CreateReceipt(Guid notificationId, DateTimeOffset expires) => Write(keys.ForReceipt, notificationId, expires);

    /// <summary>The notification a well-signed receipt names, and whether it has expired; false for anything forged, malformed or a link.</summary>
    public bool TryReadReceipt(string? token, DateTimeOffset now, out Guid notificationId, out bool expired) =>
        TryRead(keys.IsReceiptSignature, token, now, out notificationId, out expired);

    private static string Write(Signer sign, Guid notificationId, DateTimeOffset expires)
    {
        Span<byte> token = stackalloc byte[TokenBytes];
        notificationId.TryWriteBytes(token[..16]);
        BinaryPrimitives.WriteInt64BigEndian(token[16..24], expires.ToUnixTimeSeconds());
        sign(token[..24]).AsSpan(0, SignatureBytes).CopyTo(token[24..]);
        return Base64Url.EncodeToString(token);
    }

    private static bool TryRead(Verifier verify, string? token, DateTimeOffset now, out Guid notificationId, out bool expired)
    {
        notificationId = Guid.Empty;
        expired = false;
        Span<byte> bytes = stackalloc byte[TokenBytes];
        if (token is not { Length: 54 } || !Base64Url.TryDecodeFromChars(token, bytes, out var written) || written != bytes.Length
            || !verify(bytes[..24], bytes[24..]))
        {
            return false;
        }
        notificationId = new Guid(bytes[..16]);
        expired = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(bytes[16..24])) <= now;
        return true;
    }
}
