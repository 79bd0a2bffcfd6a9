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
}
