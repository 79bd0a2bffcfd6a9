using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;

namespace RocRouting.Data.Privacy;

/// <summary>
/// The link in a notification that acknowledges its case from a phone: the notification's id and an
/// expiry, signed with the service's keyed hash. It names no person and no case, so it says nothing
/// to whoever sees it; it works once (the notification records its use) and only until it expires.
/// </summary>
public sealed class AcknowledgementLinks(ChildKeys keys)
{
    private const int SignatureBytes = 16;

    public string Create(Guid notificationId, DateTimeOffset expires)
    {
        Span<byte> token = stackalloc byte[16 + 8 + SignatureBytes];
        notificationId.TryWriteBytes(token[..16]);
        BinaryPrimitives.WriteInt64BigEndian(token[16..24], expires.ToUnixTimeSeconds());
        keys.ForLink(token[..24]).AsSpan(0, SignatureBytes).CopyTo(token[24..]);
        return Base64Url.EncodeToString(token);
    }

    /// <summary>The notification a well-signed token names, and whether it has expired; false for anything forged or malformed.</summary>
    public bool TryRead(string? token, DateTimeOffset now, out Guid notificationId, out bool expired)
    {
        notificationId = Guid.Empty;
        expired = false;
        Span<byte> bytes = stackalloc byte[16 + 8 + SignatureBytes];
        if (token is not { Length: 54 } || !Base64Url.TryDecodeFromChars(token, bytes, out var written) || written != bytes.Length
            || !CryptographicOperations.FixedTimeEquals(keys.ForLink(bytes[..24]).AsSpan(0, SignatureBytes), bytes[24..]))
        {
            return false;
        }
        notificationId = new Guid(bytes[..16]);
        expired = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(bytes[16..24])) <= now;
        return true;
    }
}
