namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>AES-256 keys for tests only (32 ASCII bytes each, base64).</summary>
public static class TestKeys
{
    /// <summary>"rocrouting-test-key-number-one!!"</summary>
    public const string First = "cm9jcm91dGluZy10ZXN0LWtleS1udW1iZXItb25lISE=";

    /// <summary>"rocrouting-test-key-number-two!!"</summary>
    public const string Second = "cm9jcm91dGluZy10ZXN0LWtleS1udW1iZXItdHdvISE=";

    /// <summary>A VAPID key pair (P-256, base64url) for tests only.</summary>
    public const string VapidPublic = "BKGgnkVBMcYT7E6z2Uc0MEqL1hBFvZL1CSmeU2tvAVC_pHv57abyj3Ywm4dEAso41cRqzJCnaV_44Tr39ZupSmM";

    public const string VapidPrivate = "RLw4813hafOtc2zz-QHKoig3Jt4nCdli9v_X6j1Sy1I";

    /// <summary>
    /// The settings with every key from the repository replaced by a fresh one of the same kind: a
    /// process outside Development refuses the published ones (<see cref="RocRouting.Hosting.PublishedKeys"/>).
    /// </summary>
    public static Dictionary<string, string?> WithFreshKeys(Dictionary<string, string?> settings)
    {
        using var vapid = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var p = vapid.ExportParameters(includePrivateParameters: true);
        var fresh = new Dictionary<string, string?>(settings);
        foreach (var (key, value) in settings)
        {
            if (!RocRouting.Hosting.PublishedKeys.Contains(value))
            {
                continue;
            }
            fresh[key] = key switch
            {
                "Notifications:Push:VapidPublicKey" => Base64Url([0x04, .. p.Q.X!, .. p.Q.Y!]),
                "Notifications:Push:VapidPrivateKey" => Base64Url(p.D!),
                _ => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            };
        }
        return fresh;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
