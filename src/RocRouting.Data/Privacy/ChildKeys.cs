using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace RocRouting.Data.Privacy;

/// <summary>
/// Keyed hashes (HMAC-SHA256) of personal data. Without the key a hash cannot be brute-forced back
/// to an identity number, which a plain hash of ten digits could.
/// </summary>
public sealed class ChildKeys(IOptions<PersonalDataOptions> options)
{
    private readonly byte[] _key = options.Value.HashKey is { Length: > 0 } key && Convert.FromBase64String(key) is { Length: >= 32 } bytes
        ? bytes
        : throw new InvalidOperationException("PersonalData:HashKey is not set (a base64 key of at least 32 bytes).");

    /// <summary>Links cases about the same child.</summary>
    public byte[] For(string twelveDigits) => HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(twelveDigits));

    /// <summary>
    /// Tells a retried request from a different one without keeping a guessable fingerprint of
    /// its personal data (domain-separated from <see cref="For"/>).
    /// </summary>
    public byte[] ForRequest(ReadOnlySpan<byte> canonicalRequest) => Keyed("request\n"u8, canonicalRequest);

    /// <summary>Finds a person's contact point (a push endpoint, a mobile number) again without decrypting every one.</summary>
    public byte[] ForContact(string channel, string value) => Keyed(Encoding.UTF8.GetBytes($"contact:{channel}\n"), Encoding.UTF8.GetBytes(value));

    /// <summary>Signs an acknowledgement link (<see cref="AcknowledgementLinks"/>).</summary>
    public byte[] ForLink(ReadOnlySpan<byte> link) => Keyed("ack-link\n"u8, link);

    /// <summary>Signs a push receipt (<see cref="AcknowledgementLinks.CreateReceipt"/>): its own domain, so a receipt never acknowledges a case.</summary>
    public byte[] ForReceipt(ReadOnlySpan<byte> receipt) => Keyed("push-receipt\n"u8, receipt);

    private byte[] Keyed(ReadOnlySpan<byte> domain, ReadOnlySpan<byte> value)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        hmac.AppendData(domain);
        hmac.AppendData(value);
        return hmac.GetHashAndReset();
    }
}
