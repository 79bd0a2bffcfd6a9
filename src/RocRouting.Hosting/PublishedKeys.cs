using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace RocRouting.Hosting;

/// <summary>
/// Keys, secrets and passwords written in this repository (development settings, docker-compose.yml,
/// the test suite): anyone with the repository has them. Held as SHA-256 fingerprints, so this list
/// does not publish them once more; <c>Refusing_published_keys</c> checks that every key in the
/// repository is listed.
/// </summary>
public static class PublishedKeys
{
    private static readonly FrozenSet<string> Fingerprints = new[]
    {
        "0ba7b0224d40437ece980a59cf376a2b519a29e63093a1804e92cec864bb9889", // VAPID public key, development
        "8d12f8a09f11ce0a51782bb77c9608d145c29ef80301110eb3e2d137965badc5", // VAPID public key, tests
        "200ec3521afd10299e2113187f9871dc0f43accc647ab50100de4db06dce9b44", // VAPID private key, tests
        "48f0d5b5b1baf01ed737de2a478336570075aa00677b35c696f876adf58f5995", // VAPID private key, development
        "51542c6ff1832f0539ac1a122690529dd55c6fcaee03e0e9e71765c0b335a9bf", // PersonalData:HashKey, development
        "b28ad9cde8e5ab1d02015176c83e175b5807b2a278181f9d1d23ce00297a22ad", // PersonalData:HashKey, tests
        "29fa857facf37f90c97dfd1b0b5fd8ea938c63007d3e40884371de7d2a0ef30d", // PersonalData:EncryptionKeys, development
        "fa87c3e4ecef8a6a371b44748eaeca0893408e39d3110f33e30bc28ff0ade195", // PersonalData:EncryptionKeys, tests (one)
        "fb18e8d4ca80f8493ba44d759b67a0b91f719a24501c89142544a8100a51945b", // PersonalData:EncryptionKeys, tests (two)
        "2251edd7c5ab135ffc722cbc2b02cca87405b89b635a190ca973bd31fbb5aed8", // Auth:DevelopmentSigningKey
        "e1f5c77b3c778267049d1ddf08dc041031b76bd4a9ae6cd4f1768da51619f3f9", // the tests' token signing key
        // RFC 8291's example (appendix A), in the push encryption test: the sender's private and public key, the browser's key, the encrypted body.
        "ffe9a322df479e24b9197718aa8798e4fcb5589262f8b500c7249143bded8cee",
        "ac89d744ddaa2887d23e3b16fdbb4dc3a56731cb1b13069290850ed23b14b6f6",
        "bd47d1e142f6ec3bf049ad9dc5903fa22a446ac0f60684105bc7d1048b9aa096",
        "4f26111862debaae986003e61472b3cd2950cbfc2ee23d2f9b7ebadeeceac2a7",
    }.ToFrozenSet(StringComparer.Ordinal);

    public static bool Contains(string? value) => value is { Length: > 0 } && Fingerprints.Contains(Fingerprint(value));

    public static string Fingerprint(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value.Trim())));

    /// <summary>The configuration keys (never the values) whose value is a published key.</summary>
    public static IReadOnlyList<string> UsedIn(IConfiguration configuration) =>
        [.. configuration.AsEnumerable().Where(e => Contains(e.Value)).Select(e => e.Key).Order(StringComparer.Ordinal)];
}

/// <summary>Outside Development, a process refuses to start with any key from the repository (signing, personal data, push, anything).</summary>
internal sealed class PublishedKeysCheck(IConfiguration configuration, IHostEnvironment environment) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (environment.IsDevelopment())
        {
            return Task.CompletedTask;
        }
        var used = PublishedKeys.UsedIn(configuration);
        return used.Count == 0
            ? Task.CompletedTask
            : throw new InvalidOperationException(
                $"Refusing to start in {environment.EnvironmentName}: {string.Join(", ", used)} hold(s) a key published in the RocRouting repository; generate your own (README, Security).");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
