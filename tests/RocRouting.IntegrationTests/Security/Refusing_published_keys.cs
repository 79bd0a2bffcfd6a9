using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using RocRouting.Hosting;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Security;

/// <summary>
/// Anyone with the repository has the keys written in it: a process outside Development refuses every
/// one of them, wherever it is configured, and says where without repeating the key.
/// </summary>
public sealed partial class Refusing_published_keys
{
    [Test]
    public async Task The_api_refuses_to_start_in_production_with_the_personal_data_and_push_keys_of_the_tests()
    {
        var app = await RocApp.SharedAsync();
        await using var api = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Production");
            foreach (var (k, v) in RocApp.Settings(app.ConnectionString).Where(kv => kv.Value is not null && kv.Key != "Auth:DevelopmentSigningKey"))
            {
                web.UseSetting(k, v);
            }
            web.UseSetting("Auth:Issuer", "https://login.example.invalid/");
            web.UseSetting("Auth:Authority", "https://login.example.invalid/");
        });

        var error = Assert.Throws<InvalidOperationException>(() => _ = api.Server);
        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.Contain("PersonalData:HashKey"));
            Assert.That(error.Message, Does.Contain("PersonalData:EncryptionKeys:test-1"));
            Assert.That(error.Message, Does.Contain("Notifications:Push:VapidPrivateKey"));
            Assert.That(error.Message, Does.Not.Contain(TestKeys.First), "names the setting, never the key");
        });
    }

    [Test]
    public void Every_key_written_in_the_repository_is_known_as_published()
    {
        var root = TestServers.RepositoryRoot;
        var files = new[] { "src", "tests", "deploy", "bench" }
            .SelectMany(dir => Directory.EnumerateFiles(Path.Combine(root, dir), "*", SearchOption.AllDirectories))
            .Append(Path.Combine(root, "docker-compose.yml"))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains("node_modules", StringComparison.Ordinal)
                // Subresource-integrity hashes of npm packages: public digests, not keys.
                && Path.GetFileName(f) != "package-lock.json"
                && !f.Contains($"{Path.DirectorySeparatorChar}lib{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && Path.GetExtension(f) is ".cs" or ".json" or ".yml" or ".yaml" or ".sh" or ".env");

        // Random-looking base64 or base64url of 32 bytes or more: upper and lower case and a digit,
        // not an identifier (test names and migration names have words between underscores).
        var keys = files
            .SelectMany(f => KeyLike().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetRelativePath(root, f), Key: m.Value)))
            .Where(k => k.Key.Any(char.IsUpper) && k.Key.Any(char.IsLower) && k.Key.Any(char.IsDigit)
                && !Words().IsMatch(k.Key) && !k.Key.Contains("__", StringComparison.Ordinal) && !IsPath(k.Key))
            .ToList();

        // And every value of a key, secret or password in the settings files, whatever it looks like.
        var settings = Directory.EnumerateFiles(Path.Combine(root, "src"), "appsettings*.json", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => Leaves(JsonDocument.Parse(File.ReadAllText(f)).RootElement, "").Select(l => (File: Path.GetRelativePath(root, f), l.Path, l.Value)))
            .Where(l => SecretName().IsMatch(l.Path) && l.Value.Length > 0)
            .ToList();

        Assert.Multiple(() =>
        {
            Assert.That(keys, Is.Not.Empty, "the scan finds the development keys");
            foreach (var (file, key) in keys)
            {
                Assert.That(PublishedKeys.Contains(key), Is.True, $"a key in {file} (fingerprint {PublishedKeys.Fingerprint(key)}) is missing from PublishedKeys");
            }
            foreach (var (file, path, value) in settings)
            {
                Assert.That(PublishedKeys.Contains(value), Is.True, $"{path} in {file} (fingerprint {PublishedKeys.Fingerprint(value)}) is missing from PublishedKeys");
            }
        });
    }

    /// <summary>A JSON pointer or file path ("/spec/affinity/.../0/topologyKey", ".../volumes/-"): every segment a word, a number or "-".</summary>
    private static bool IsPath(string text) =>
        text.Contains('/', StringComparison.Ordinal) && text.Split('/', StringSplitOptions.RemoveEmptyEntries).All(s => s.All(char.IsAsciiLetter) || s.All(char.IsAsciiDigit) || s == "-");

    private static IEnumerable<(string Path, string Value)> Leaves(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Leaves(p.Value, path.Length == 0 ? p.Name : $"{path}:{p.Name}")),
        JsonValueKind.Array => element.EnumerateArray().SelectMany((e, i) => Leaves(e, $"{path}:{i}")),
        JsonValueKind.String => [(path, element.GetString()!)],
        _ => [],
    };

    [GeneratedRegex("[A-Za-z0-9+/_-]{43,}={0,2}")]
    private static partial Regex KeyLike();

    [GeneratedRegex("_[a-z]{2,}_|^[0-9]{14}_")]
    private static partial Regex Words();

    [GeneratedRegex("(Key|Keys:[^:]+|Secret|Password)$")]
    private static partial Regex SecretName();
}
