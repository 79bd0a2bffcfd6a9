namespace RocRouting.Data.Privacy;

/// <summary>The secrets that protect personal data at rest. Configuration section "PersonalData".</summary>
public sealed class PersonalDataOptions
{
    /// <summary>Base64 key (32 bytes or more) for the keyed hash of identity numbers: every new hash is made with it.</summary>
    public string? HashKey { get; set; }

    /// <summary>Hash keys retired by a rotation, still accepted until the rotate-keys command has rehashed everything (see ChildKeys).</summary>
    public List<string> PreviousHashKeys { get; set; } = [];

    /// <summary>
    /// AES-256 keys by key id (base64, 32 bytes each). Old keys stay listed until the rotation
    /// command has re-encrypted everything sealed with them.
    /// </summary>
    public Dictionary<string, string> EncryptionKeys { get; set; } = [];

    /// <summary>The key id new values are sealed with.</summary>
    public string? CurrentKeyId { get; set; }
}
