using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using RocRouting.Cases;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>Bearer tokens signed with the tests' development key, as deploy/local/token.sh makes them.</summary>
public static class TestTokens
{
    public const string Issuer = "rocrouting-tests";
    public const string Audience = "rocrouting";
    public static readonly string SigningKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("rocrouting-integration-tests-signing-key-0123456789"));

    public static string PoliceOfficer(string unit = "Polisregion Stockholm, RLC", string? sub = null) =>
        Create(Roles.PoliceOfficer, sub ?? $"officer-{Guid.NewGuid():N}", new() { [Claims.Unit] = unit });

    /// <summary>Staff of a social emergency service: without <paramref name="service"/>, the token names none and the default service applies.</summary>
    public static string SocialjourStaff(string? sub = null, string? service = null) =>
        Create(Roles.SocialjourStaff, sub ?? "socialjour-1", service is null ? null : new() { [Claims.Service] = service });

    public static string MunicipalityStaff(string municipality, string? sub = null) =>
        Create(Roles.MunicipalityStaff, sub ?? $"staff-{municipality}", new() { [Claims.Municipality] = municipality });

    public static string Operator() => Create(Roles.Operator, "operator-1");

    public static string Auditor() => Create(Roles.Auditor, "auditor-1");

    public static string Create(string role, string sub, Dictionary<string, object>? extra = null, string? key = null, DateTime? expires = null, string? tokenType = null)
    {
        var claims = new Dictionary<string, object> { [Claims.Role] = role, [Claims.Subject] = sub };
        foreach (var (k, v) in extra ?? [])
        {
            claims[k] = v;
        }
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Claims = claims,
            IssuedAt = DateTime.UtcNow,
            NotBefore = DateTime.UtcNow.AddMinutes(-1),
            Expires = expires ?? DateTime.UtcNow.AddHours(1),
            TokenType = tokenType,
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Convert.FromBase64String(key ?? SigningKey)), SecurityAlgorithms.HmacSha256),
        });
    }
}
