using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace RocRouting.Data.Privacy;

/// <summary>
/// Keyed hashes (HMAC-SHA256) of personal data. Without the key a hash cannot be brute-forced back
/// to an identity number, which a plain hash of ten digits could.
/// </summary>
/// <remarks>
/// The key rotates like the encryption keys: <c>PersonalData:HashKey</c> makes every new hash, and
/// the keys listed under <c>PersonalData:PreviousHashKeys</c> are still accepted when a hash is
/// looked up or a signature checked. The rotate-keys command rehashes what can be rehashed (the
/// child keys of cases and the fingerprints of contact points, from their sealed values); what
/// cannot (the fingerprint of a submitted request, a link already sent) lives a day at most, so a
/// previous key is removed a day after the rotation has run.
/// </remarks>
public sealed class ChildKeys
{
    private readonly byte[] _key;
    private readonly byte[][] _keys;

    public ChildKeys(IOptions<PersonalDataOptions> options)
    {
        var o = options.Value;
        _key = Parse(o.HashKey, "PersonalData:HashKey");
        _keys = [_key, .. o.PreviousHashKeys.Select((k, i) => Parse(k, $"PersonalData:PreviousHashKeys:{i}"))];
    }

    private static byte[] Parse(string? base64, string setting) =>
        base64 is { Length: > 0 } && System.Buffers.Text.Base64.IsValid(base64) && Convert.FromBase64String(base64) is { Length: >= 32 } bytes
            ? bytes
            : throw new InvalidOperationException($"{setting} is not set or not a base64 key of at least 32 bytes.");

    /// <summary>Links cases about the same child.</summary>
    public byte[] For(string twelveDigits) => HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(twelveDigits));

    /// <summary>
    /// Tells a retried request from a different one without keeping a guessable fingerprint of
    /// its personal data (domain-separated from <see cref="For"/>).
    /// </summary>
    public byte[] ForRequest(ReadOnlySpan<byte> canonicalRequest) => Keyed(_key, "request\n"u8, canonicalRequest);

    /// <summary>Whether <paramref name="stored"/> is the fingerprint of this request under any accepted key (a retry across a rotation).</summary>
    public bool IsRequest(ReadOnlySpan<byte> stored, ReadOnlySpan<byte> canonicalRequest) => Verifies("request\n"u8, canonicalRequest, stored);

    /// <summary>Finds a person's contact point (a push endpoint, a mobile number) again without decrypting every one.</summary>
    public byte[] ForContact(string channel, string value) => Keyed(_key, ContactDomain(channel), Encoding.UTF8.GetBytes(value));

    /// <summary>The contact point's fingerprint under every accepted key, for finding one not yet rehashed.</summary>
    public byte[][] AllForContact(string channel, string value)
    {
        var domain = ContactDomain(channel);
        var bytes = Encoding.UTF8.GetBytes(value);
        return [.. _keys.Select(k => Keyed(k, domain, bytes))];
    }

    /// <summary>Signs an acknowledgement link (<see cref="AcknowledgementLinks"/>).</summary>
    public byte[] ForLink(ReadOnlySpan<byte> link) => Keyed(_key, "ack-link\n"u8, link);

    /// <summary>Whether <paramref name="signature"/> (a prefix of the HMAC) signs <paramref name="link"/> under any accepted key.</summary>
    public bool IsLinkSignature(ReadOnlySpan<byte> link, ReadOnlySpan<byte> signature) => Verifies("ack-link\n"u8, link, signature);

    /// <summary>Signs a push receipt (<see cref="AcknowledgementLinks.CreateReceipt"/>): its own domain, so a receipt never acknowledges a case.</summary>
    public byte[] ForReceipt(ReadOnlySpan<byte> receipt) => Keyed(_key, "push-receipt\n"u8, receipt);

    public bool IsReceiptSignature(ReadOnlySpan<byte> receipt, ReadOnlySpan<byte> signature) => Verifies("push-receipt\n"u8, receipt, signature);

    /// <summary>Whether <paramref name="signature"/> is the HMAC of the value, or a prefix of it, under any accepted key.</summary>
    private bool Verifies(ReadOnlySpan<byte> domain, ReadOnlySpan<byte> value, ReadOnlySpan<byte> signature)
    {
        if (signature.IsEmpty || signature.Length > 32)
        {
            return false;
        }
        foreach (var key in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(Keyed(key, domain, value).AsSpan(0, signature.Length), signature))
            {
                return true;
            }
        }
        return false;
    }

    private static byte[] ContactDomain(string channel) => Encoding.UTF8.GetBytes($"contact:{channel}\n");

    private static byte[] Keyed(byte[] key, ReadOnlySpan<byte> domain, ReadOnlySpan<byte> value)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(domain);
        hmac.AppendData(value);
        return hmac.GetHashAndReset();
    }
}
