using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace RocRouting.Worker;

/// <summary>
/// The compose stack's secrets, made on its first start so that none is in the repository: keys for
/// personal data and Web Push, passwords for the database roles, the broker and the fictitious
/// sign-in users, and a certificate for the identity provider. One directory per consumer, one file
/// per setting (read by <see cref="Hosting.SecretFiles"/>, by PostgreSQL's and RabbitMQ's images, by
/// Keycloak). A file that exists is kept: a restart or a second run changes nothing, so data sealed
/// with the keys stays readable.
/// </summary>
public static class Keygen
{
    public const string ApplicationRole = "rocrouting_app";
    public const string OwnerRole = "rocrouting";

    /// <summary>The realm's fictitious users, one per role, whose passwords are generated.</summary>
    public static readonly string[] Users = ["polis.testsson", "socialjour.testsson", "tyreso.testsson", "drift.testsson", "revisor.testsson"];

    /// <param name="root">The secrets volume.</param>
    /// <param name="realmTemplate">The Keycloak realm with <c>${password:user}</c> placeholders, or null for no identity provider.</param>
    /// <param name="systemBundle">The CA certificates the services already trust, to which the provider's certificate is added.</param>
    public static int Run(string root, string? realmTemplate, string systemBundle = "/etc/ssl/certs/ca-certificates.crt")
    {
        Secret(root, "postgres/superuser-password", Password);
        var ownerPassword = Secret(root, "postgres/owner-password", Password);
        var appPassword = Secret(root, "postgres/app-password", Password);
        var keycloakPassword = Secret(root, "postgres/keycloak-password", Password);
        var rabbitPassword = Secret(root, "rabbitmq/password", Password);
        Secret(root, "rabbitmq/conf.d/10-rocrouting.conf", () => $"default_user = rocrouting\ndefault_pass = {rabbitPassword}\n");

        Secret(root, "migrate/ConnectionStrings__Postgres", () => Postgres(OwnerRole, ownerPassword));
        Secret(root, "migrate/Database__ApplicationRole", () => ApplicationRole);

        Secret(root, "app/ConnectionStrings__Postgres", () => Postgres(ApplicationRole, appPassword));
        Secret(root, "app/RabbitMq__Url", () => $"amqp://rocrouting:{rabbitPassword}@rabbitmq:5672/");
        Secret(root, "app/PersonalData__HashKey", Key);
        Secret(root, "app/PersonalData__CurrentKeyId", () => "k1");
        Secret(root, "app/PersonalData__EncryptionKeys__k1", Key);
        if (!File.Exists(Path.Combine(root, "app/Notifications__Push__VapidPrivateKey")))
        {
            using var vapid = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var p = vapid.ExportParameters(includePrivateParameters: true);
            Write(root, "app/Notifications__Push__VapidPublicKey", Base64Url.EncodeToString([0x04, .. p.Q.X!, .. p.Q.Y!]));
            Write(root, "app/Notifications__Push__VapidPrivateKey", Base64Url.EncodeToString(p.D!));
        }

        if (realmTemplate is not null)
        {
            IdentityProvider(root, realmTemplate, systemBundle);
            Secret(root, "keycloak/keycloak.conf", () =>
                $"db=postgres\ndb-url=jdbc:postgresql://postgres:5432/keycloak\ndb-username=keycloak\ndb-password={keycloakPassword}\n");
        }
        return 0;
    }

    private static void IdentityProvider(string root, string realmTemplate, string systemBundle)
    {
        if (!File.Exists(Path.Combine(root, "keycloak/tls.key")))
        {
            // Self-signed for the names the browser (localhost) and the services (keycloak) use.
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=keycloak", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("keycloak");
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(2));
            Write(root, "keycloak/tls.crt", certificate.ExportCertificatePem());
            Write(root, "keycloak/tls.key", key.ExportPkcs8PrivateKeyPem());
        }
        Secret(root, "ca/bundle.pem", () =>
            (File.Exists(systemBundle) ? File.ReadAllText(systemBundle) + "\n" : "") + File.ReadAllText(Path.Combine(root, "keycloak/tls.crt")));

        var passwords = Users.ToDictionary(u => u, u => Secret(root, $"keycloak/users/{u}", Password));
        Secret(root, "keycloak/import/rocrouting-realm.json", () =>
        {
            var realm = JsonNode.Parse(File.ReadAllText(realmTemplate))!;
            foreach (var user in realm["users"]!.AsArray())
            {
                var name = user!["username"]!.GetValue<string>();
                user["credentials"] = new JsonArray(new JsonObject { ["type"] = "password", ["value"] = passwords[name], ["temporary"] = false });
            }
            return realm.ToJsonString();
        });
    }

    private static string Postgres(string user, string password) =>
        $"Host=postgres;Port=5432;Database=rocrouting;Username={user};Password={password};Maximum Pool Size=50";

    private static string Key() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Letters and digits only: safe in a connection string, a URL and a config file unquoted.</summary>
    private static string Password() => Convert.ToHexString(RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();

    /// <summary>The file's content, made by <paramref name="make"/> only when the file does not exist yet.</summary>
    private static string Secret(string root, string relative, Func<string> make)
    {
        var path = Path.Combine(root, relative);
        if (File.Exists(path))
        {
            return File.ReadAllText(path);
        }
        var value = make();
        Write(root, relative, value);
        return value;
    }

    private static void Write(string root, string relative, string value)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Written whole under a temporary name, then renamed: a crash never leaves half a key.
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, value, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        }
        File.Move(temporary, path);
    }
}
