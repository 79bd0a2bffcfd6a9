using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Security;

public sealed class Forging_a_token : SharedAppTest
{
    private static string B64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static IEnumerable<TestCaseData> Forgeries()
    {
        var exp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        var payload = $$"""{"sub":"intruder","role":"police-officer","unit":"x","iss":"{{TestTokens.Issuer}}","aud":"{{TestTokens.Audience}}","exp":{{exp}}}""";
        yield return new TestCaseData($"{B64("""{"alg":"none","typ":"JWT"}""")}.{B64(payload)}.").SetName("An unsigned token (alg none) is refused");
        yield return new TestCaseData(TestTokens.Create("police-officer", "late", new() { ["unit"] = "x" }, expires: DateTime.UtcNow.AddMinutes(-5)))
            .SetName("An expired token is refused");
        yield return new TestCaseData(TestTokens.Create("police-officer", "typed", new() { ["unit"] = "x" }, tokenType: "logout+jwt"))
            .SetName("A token of another type (typ logout+jwt) is refused");
        var valid = TestTokens.SocialjourStaff("tamperer");
        var parts = valid.Split('.');
        var claims = Encoding.UTF8.GetString(Convert.FromBase64String(parts[1].Replace('-', '+').Replace('_', '/').PadRight((parts[1].Length + 3) / 4 * 4, '=')));
        var escalated = claims.Replace("socialjour-staff", "police-officer", StringComparison.Ordinal);
        yield return new TestCaseData($"{parts[0]}.{B64(escalated)}.{parts[2]}").SetName("A role changed after signing is refused");
    }

    [TestCaseSource(nameof(Forgeries))]
    public async Task Is_unauthorized(string token)
    {
        using var client = App.Client(token);
        using var response = await CaseRequests.PostAsync(client, CaseRequests.Valid());
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [TestCase("other-issuer", TestTokens.Audience, TestName = "A token from another issuer is refused")]
    [TestCase(TestTokens.Issuer, "other-audience", TestName = "A token for another audience is refused")]
    public async Task From_elsewhere_is_unauthorized(string issuer, string audience)
    {
        var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = new Dictionary<string, object> { ["sub"] = "elsewhere", ["role"] = "police-officer", ["unit"] = "x" },
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new(new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(Convert.FromBase64String(TestTokens.SigningKey)), "HS256"),
        });
        using var client = App.Client(token);
        using var response = await CaseRequests.PostAsync(client, CaseRequests.Valid());
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task An_access_token_typed_at_jwt_is_accepted()
    {
        using var client = App.Client(TestTokens.Create("police-officer", $"typed-{Guid.NewGuid():N}", new() { ["unit"] = "x" }, tokenType: "at+jwt"));
        using var response = await CaseRequests.PostAsync(client, CaseRequests.Valid());
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task Every_role_of_the_token_is_on_the_audit_trail()
    {
        var sub = $"two-roles-{Guid.NewGuid():N}";
        using var client = App.Client(TestTokens.Create("police-officer", sub, new() { ["unit"] = "x", ["role"] = new[] { "police-officer", "auditor" } }));
        using var response = await CaseRequests.PostAsync(client, CaseRequests.Valid());
        var caseId = (await CaseRequests.JsonAsync(response)).GetProperty("caseId").GetGuid();
        var role = await App.WithDbAsync(db => db.AuditEntries.Where(a => a.CaseId == caseId && a.Subject == sub).Select(a => a.Role).SingleAsync());
        Assert.That(role, Is.EqualTo("police-officer,auditor"));
    }

    [Test]
    public async Task The_api_refuses_to_start_in_production_with_the_development_key()
    {
        await using var api = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Production");
            // Own personal-data and push keys: only the signing key is under test here.
            var settings = TestKeys.WithFreshKeys(RocApp.Settings(App.ConnectionString));
            settings["Auth:DevelopmentSigningKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            foreach (var (k, v) in settings.Where(kv => kv.Value is not null))
            {
                web.UseSetting(k, v);
            }
        });
        var error = Assert.Throws<InvalidOperationException>(() => _ = api.Server);
        Assert.That(error!.Message, Does.Contain("DevelopmentSigningKey").And.Contain("Authority"));
    }
}
