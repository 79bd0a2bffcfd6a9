using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RocRouting.Worker.Delivery;

/// <summary>
/// <c>RocRouting-Signature: t=UNIX_SECONDS,v1=HEX(HMAC-SHA256(secret, "{t}.{body}"))</c>: the receiver
/// recomputes it over the raw body and rejects a stale timestamp, so a captured notification can
/// neither be altered nor replayed later.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "RocRouting-Signature";

    public static string Sign(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        return string.Create(CultureInfo.InvariantCulture, $"t={unixSeconds},v1={Convert.ToHexStringLower(mac)}");
    }
}
