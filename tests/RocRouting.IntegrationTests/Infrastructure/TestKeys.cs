namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>AES-256 keys for tests only (32 ASCII bytes each, base64).</summary>
public static class TestKeys
{
    /// <summary>"rocrouting-test-key-number-one!!"</summary>
    public const string First = "cm9jcm91dGluZy10ZXN0LWtleS1udW1iZXItb25lISE=";

    /// <summary>"rocrouting-test-key-number-two!!"</summary>
    public const string Second = "cm9jcm91dGluZy10ZXN0LWtleS1udW1iZXItdHdvISE=";
}
