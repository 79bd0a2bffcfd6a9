using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using RocRouting.Cases;
using RocRouting.Hosting;
using RocRouting.IntegrationTests.Infrastructure;
using RocRouting.Worker;

namespace RocRouting.IntegrationTests.Security;

/// <summary>
/// The compose stack cannot run on keys from the repository: it runs as Production, on keys the
/// keygen step makes on first start, and people sign in through its identity provider. There is no
/// Docker engine here, so the parts are checked one by one: keygen for real, the file by reading.
/// </summary>
public sealed partial class Running_the_compose_stack
{
    private static readonly string Root = TestServers.RepositoryRoot;
    private string _secrets = "";

    [OneTimeSetUp]
    public void GenerateSecrets()
    {
        _secrets = Directory.CreateTempSubdirectory("roc-keygen-").FullName;
        Assert.That(Keygen.Run(_secrets, Path.Combine(Root, "deploy", "keycloak", "rocrouting-realm.json"), systemBundle: "/nonexistent"), Is.Zero);
    }

    [OneTimeTearDown]
    public void RemoveSecrets() => Directory.Delete(_secrets, recursive: true);

    private Dictionary<string, string> Snapshot() => Directory.EnumerateFiles(_secrets, "*", SearchOption.AllDirectories)
        .ToDictionary(f => Path.GetRelativePath(_secrets, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    [Test]
    public void Keygen_makes_every_secret_once_and_a_second_run_changes_nothing()
    {
        var first = Snapshot();

        Keygen.Run(_secrets, Path.Combine(Root, "deploy", "keycloak", "rocrouting-realm.json"), systemBundle: "/nonexistent");

        Assert.Multiple(() =>
        {
            Assert.That(first.Keys, Is.SupersetOf(new[]
            {
                "app/ConnectionStrings__Postgres", "app/RabbitMq__Url", "app/PersonalData__HashKey", "app/PersonalData__EncryptionKeys__k1",
                "app/Notifications__Push__VapidPrivateKey", "migrate/ConnectionStrings__Postgres", "migrate/Database__ApplicationRole",
                "postgres/superuser-password", "rabbitmq/conf.d/10-rocrouting.conf", "keycloak/tls.key", "keycloak/import/rocrouting-realm.json",
                "ca/bundle.pem",
            }));
            Assert.That(Snapshot(), Is.EqualTo(first));
            if (!OperatingSystem.IsWindows())
            {
                Assert.That(File.GetUnixFileMode(Path.Combine(_secrets, "app/PersonalData__HashKey")) & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite), Is.EqualTo(UnixFileMode.None));
            }
            Assert.That(File.ReadAllText(Path.Combine(_secrets, "app/ConnectionStrings__Postgres")), Does.Contain($"Username={Keygen.ApplicationRole};"));
            Assert.That(File.ReadAllText(Path.Combine(_secrets, "migrate/ConnectionStrings__Postgres")), Does.Contain($"Username={Keygen.OwnerRole};"));
        });
    }

    [Test]
    public async Task The_generated_keys_start_the_api_as_production()
    {
        var app = await RocApp.SharedAsync();
        // The generated files, less the addresses that only mean something on the compose network.
        var keys = Directory.CreateDirectory(Path.Combine(_secrets, "test-app")).FullName;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_secrets, "app")).Where(f => !Path.GetFileName(f).StartsWith("ConnectionStrings", StringComparison.Ordinal) && !Path.GetFileName(f).StartsWith("RabbitMq", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(keys, Path.GetFileName(file)));
        }
        await using var production = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Production");
            web.UseSetting("ConnectionStrings:Postgres", app.ConnectionString);
            web.UseSetting("RabbitMq:Url", TestServers.RabbitMqUrl);
            web.UseSetting("RabbitMq:Prefix", "compose.");
            web.UseSetting($"{SecretFiles.Section}:0", keys);
            web.UseSetting("Auth:Issuer", "https://localhost:8443/realms/rocrouting");
            web.UseSetting("Auth:Authority", "https://keycloak.invalid:8443/realms/rocrouting");
            web.UseSetting("Notifications:Push:VapidSubject", "mailto:drift@rocrouting.invalid");
        });
        using var client = production.CreateClient();

        using var live = await client.GetAsync("/health/live");

        Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK), "no published key, no development setting: it starts");
    }

    [Test]
    public void The_realm_has_a_fictitious_user_for_every_role_with_the_claims_the_access_rules_read()
    {
        var realm = JsonNode.Parse(File.ReadAllText(Path.Combine(_secrets, "keycloak/import/rocrouting-realm.json")))!;
        var users = realm["users"]!.AsArray().Select(u => u!).ToList();
        string? Attribute(JsonNode user, string name) => user["attributes"]?[name]?[0]?.GetValue<string>();
        var console = realm["clients"]!.AsArray().Single(c => c!["clientId"]!.GetValue<string>() == "rocrouting-console")!;

        Assert.Multiple(() =>
        {
            Assert.That(users.Select(u => Attribute(u, Claims.Role)), Is.EquivalentTo(Roles.All));
            Assert.That(users.Select(u => u["username"]!.GetValue<string>()), Is.EquivalentTo(Keygen.Users));
            Assert.That(users.Select(u => u["email"]!.GetValue<string>()), Is.All.EndsWith(".invalid"), "fictitious people");
            var passwords = users.Select(u => u["credentials"]![0]!["value"]!.GetValue<string>()).ToList();
            Assert.That(passwords, Is.All.Length.GreaterThanOrEqualTo(32), "a generated password each, none from the repository");
            Assert.That(passwords, Is.Unique);
            Assert.That(Attribute(users.Single(u => Attribute(u, Claims.Role) == Roles.PoliceOfficer), Claims.Unit), Is.Not.Empty);
            Assert.That(Attribute(users.Single(u => Attribute(u, Claims.Role) == Roles.MunicipalityStaff), Claims.Municipality), Is.EqualTo("0138"));
            Assert.That(console["publicClient"]!.GetValue<bool>(), Is.True);
            Assert.That(console["attributes"]!["pkce.code.challenge.method"]!.GetValue<string>(), Is.EqualTo("S256"));
            Assert.That(console["redirectUris"]![0]!.GetValue<string>(), Does.EndWith("/signin-oidc"));
        });
    }

    [Test]
    public void The_compose_file_runs_production_pins_every_image_and_hardens_every_service_of_its_own()
    {
        var compose = File.ReadAllText(Path.Combine(Root, "docker-compose.yml"));
        var dockerfiles = Directory.EnumerateFiles(Path.Combine(Root, "deploy", "docker"), "Dockerfile.*").Select(File.ReadAllText).ToList();
        var images = ImageLine().Matches(compose).Select(m => m.Groups[1].Value).Where(i => i != "rocrouting-worker").ToList();
        var bases = dockerfiles.SelectMany(d => FromLine().Matches(d).Select(m => m.Groups[1].Value)).ToList();
        var ownServices = new[] { "keygen", "migrate", "worker", "api" };

        Assert.Multiple(() =>
        {
            Assert.That(compose, Does.Not.Match("ENVIRONMENT: *Development"));
            Assert.That(compose, Does.Contain("ASPNETCORE_ENVIRONMENT: Production"));
            Assert.That(images, Is.Not.Empty.And.All.Match("@sha256:[0-9a-f]{64}$"));
            Assert.That(bases, Is.Not.Empty.And.All.Match("@sha256:[0-9a-f]{64}$"));
            foreach (var service in ownServices)
            {
                Assert.That(ServiceBlock(compose, service), Does.Contain("<<: *hardened"), service);
            }
            Assert.That(compose, Does.Contain("read_only: true"));
            Assert.That(ServiceBlock(compose, "worker"), Does.Contain("healthcheck:"));
        });
    }

    private static string ServiceBlock(string compose, string service)
    {
        var start = compose.IndexOf($"\n  {service}:\n", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), service);
        var end = NextService().Match(compose, start + 1) is { Success: true } next ? next.Index : compose.Length;
        return compose[start..end];
    }

    [GeneratedRegex(@"^\s+image: (\S+)", RegexOptions.Multiline)]
    private static partial Regex ImageLine();

    [GeneratedRegex(@"^FROM (\S+)", RegexOptions.Multiline)]
    private static partial Regex FromLine();

    [GeneratedRegex(@"\n  [a-z-]+:\n")]
    private static partial Regex NextService();
}
