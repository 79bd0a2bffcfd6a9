using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace RocRouting.Api.Cases;

public sealed class PersonalDataOptions
{
    /// <summary>Base64 key (32 bytes or more) for the keyed hash of identity numbers. Keep it secret and stable.</summary>
    public string? HashKey { get; set; }
}

/// <summary>
/// The keyed hash (HMAC-SHA256) that links cases about the same child. Without the key the hash
/// cannot be brute-forced back to a number, which a plain hash of ten digits could.
/// </summary>
public sealed class ChildKeys(IOptions<PersonalDataOptions> options)
{
    private readonly byte[] _key = options.Value.HashKey is { Length: > 0 } key
        ? Convert.FromBase64String(key)
        : throw new InvalidOperationException("PersonalData:HashKey is not set (a base64 key of at least 32 bytes).");

    public byte[] For(string twelveDigits) => HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(twelveDigits));
}
