using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace RocRouting.Data.Privacy;

/// <summary>Which personal field a sealed value belongs to; bound into the ciphertext.</summary>
public enum PersonalField
{
    IdentityNumber,
    Summary,

    /// <summary>A browser's push subscription (endpoint and keys), sealed under its contact point's id.</summary>
    PushSubscription,

    /// <summary>A person's mobile number (E.164), sealed under its contact point's id.</summary>
    MobileNumber,

    /// <summary>The child's birth date, yyyy-MM-dd.</summary>
    BirthDate,

    /// <summary>The note of whoever acknowledged the case.</summary>
    AcknowledgementNote,

    /// <summary>A handover's reason in the words of the person who handed the case over.</summary>
    HandoverNote,
}

/// <summary>
/// Encrypts personal data at rest with AES-256-GCM. A sealed value reads
/// <c>aes256gcm:{keyId}:{base64(nonce | ciphertext | tag)}</c>: the key id travels with every value
/// so keys can rotate one value at a time, and the case id and field are authenticated as
/// associated data, so a value copied into another case or column does not open.
/// </summary>
public sealed class PersonalDataProtector
{
    public const string Scheme = "aes256gcm:";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly Dictionary<string, byte[]> _keys;

    public PersonalDataProtector(IOptions<PersonalDataOptions> options)
    {
        var o = options.Value;
        _keys = new(StringComparer.Ordinal);
        foreach (var (id, base64) in o.EncryptionKeys)
        {
            if (id.Length is 0 or > 32 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                throw new InvalidOperationException("PersonalData:EncryptionKeys: a key id must be 1-32 letters, digits, '-' or '_'.");
            }
            var key = Base64.IsValid(base64) ? Convert.FromBase64String(base64) : [];
            _keys[id] = key.Length == 32
                ? key
                : throw new InvalidOperationException($"PersonalData:EncryptionKeys:{id} must be a base64 AES-256 key (32 bytes).");
        }
        CurrentKeyId = o.CurrentKeyId is { Length: > 0 } current && _keys.ContainsKey(current)
            ? current
            : throw new InvalidOperationException("PersonalData:CurrentKeyId must name one of PersonalData:EncryptionKeys.");
        CurrentPrefix = $"{Scheme}{CurrentKeyId}:";
    }

    public string CurrentKeyId { get; }

    /// <summary>How every value sealed with the current key begins.</summary>
    public string CurrentPrefix { get; }

    public string Seal(string plaintext, Guid caseId, PersonalField field)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var blob = new byte[NonceSize + plain.Length + TagSize];
        var nonce = blob.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_keys[CurrentKeyId], TagSize);
        aes.Encrypt(nonce, plain, blob.AsSpan(NonceSize, plain.Length), blob.AsSpan(NonceSize + plain.Length), AssociatedData(caseId, field));
        return CurrentPrefix + Convert.ToBase64String(blob);
    }

    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(plaintext))]
    public string? SealOrNull(string? plaintext, Guid caseId, PersonalField field) =>
        plaintext is null ? null : Seal(plaintext, caseId, field);

    /// <summary>Decrypts a sealed value; throws <see cref="CryptographicException"/> if it was tampered with or belongs elsewhere.</summary>
    public string Open(string sealedValue, Guid caseId, PersonalField field)
    {
        var (keyId, blob) = Parse(sealedValue);
        if (!_keys.TryGetValue(keyId, out var key))
        {
            throw new CryptographicException($"The value is sealed with key '{keyId}', which is not configured in PersonalData:EncryptionKeys.");
        }
        var plain = new byte[blob.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(blob.AsSpan(0, NonceSize), blob.AsSpan(NonceSize, plain.Length), blob.AsSpan(NonceSize + plain.Length), plain, AssociatedData(caseId, field));
        return Encoding.UTF8.GetString(plain);
    }

    public string? OpenOrNull(string? sealedValue, Guid caseId, PersonalField field) =>
        sealedValue is null ? null : Open(sealedValue, caseId, field);

    /// <summary>
    /// The value sealed with the current key. A value stored before encryption existed (no scheme
    /// prefix) is taken as plaintext and sealed.
    /// </summary>
    public string Reseal(string value, Guid caseId, PersonalField field) =>
        value.StartsWith(Scheme, StringComparison.Ordinal) ? Seal(Open(value, caseId, field), caseId, field) : Seal(value, caseId, field);

    private static (string KeyId, byte[] Blob) Parse(string sealedValue)
    {
        var separator = sealedValue.StartsWith(Scheme, StringComparison.Ordinal) ? sealedValue.IndexOf(':', Scheme.Length) : -1;
        if (separator < 0)
        {
            throw new CryptographicException("The value is not sealed personal data.");
        }
        var base64 = sealedValue.AsSpan(separator + 1);
        var blob = Base64.IsValid(base64) ? Convert.FromBase64String(base64.ToString()) : [];
        return blob.Length >= NonceSize + TagSize
            ? (sealedValue[Scheme.Length..separator], blob)
            : throw new CryptographicException("The sealed value is truncated or malformed.");
    }

    private static byte[] AssociatedData(Guid caseId, PersonalField field) => Encoding.ASCII.GetBytes($"case:{caseId:N}/{field}");
}
