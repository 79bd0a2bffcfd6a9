using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using RocRouting.Cases;

namespace RocRouting.Hosting;

public static class Policies
{
    public const string PoliceOfficer = Roles.PoliceOfficer;
    public const string Staff = "staff";
    public const string Operator = Roles.Operator;
    public const string Auditor = Roles.Auditor;
    public const string AnyUser = "any-user";
}

public sealed class AuthOptions
{
    public string Issuer { get; set; } = "rocrouting-local";

    public string Audience { get; set; } = "rocrouting";

    /// <summary>OpenID Connect authority whose keys sign tokens (production).</summary>
    public string? Authority { get; set; }

    /// <summary>Base64 HMAC-SHA256 key for locally issued tokens (deploy/local/token.sh). Development only.</summary>
    public string? DevelopmentSigningKey { get; set; }
}

public static class AuthExtensions
{
    /// <summary>
    /// JWT bearer authentication and role policies. Every endpoint needs an authenticated user
    /// unless it says otherwise (the fallback policy); health checks opt out explicitly.
    /// </summary>
    public static IHostApplicationBuilder AddRocAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().BindConfiguration("Auth");
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>, IHostEnvironment>((jwt, auth, env) => Configure(jwt, auth.Value, env));
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.AnyUser, p => p.RequireAuthenticatedUser())
            .AddPolicy(Policies.PoliceOfficer, p => p.RequireRole(Roles.PoliceOfficer).RequireClaim(Claims.Unit))
            .AddPolicy(Policies.Staff, p => p.RequireRole(Roles.SocialjourStaff, Roles.MunicipalityStaff))
            .AddPolicy(Policies.Operator, p => p.RequireRole(Roles.Operator))
            .AddPolicy(Policies.Auditor, p => p.RequireRole(Roles.Auditor));
        builder.Services.AddHostedService<AuthConfigurationCheck>();
        return builder;
    }

    private static void Configure(JwtBearerOptions jwt, AuthOptions auth, IHostEnvironment env)
    {
        // Claim names stay as issued ("role", "sub"), not mapped to the long WS-* URIs.
        jwt.MapInboundClaims = false;
        jwt.RequireHttpsMetadata = !env.IsDevelopment();
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = auth.Issuer,
            ValidAudience = auth.Audience,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            // An access token, not an ID token, logout token or anything else signed by the same issuer.
            ValidTypes = ["JWT", "at+jwt"],
            ClockSkew = TimeSpan.FromMinutes(1),
            NameClaimType = Claims.Subject,
            RoleClaimType = Claims.Role,
        };
        if (auth.Authority is not null)
        {
            jwt.Authority = auth.Authority;
            jwt.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256];
        }
        else if (auth.DevelopmentSigningKey is { Length: > 0 } key)
        {
            jwt.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(Convert.FromBase64String(key));
            jwt.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }
        else
        {
            throw new InvalidOperationException("Auth: set Auth:Authority (production) or Auth:DevelopmentSigningKey (local).");
        }
    }
}

/// <summary>Outside Development the service refuses to start with the development key, without an issuer, or without an authority.</summary>
internal sealed class AuthConfigurationCheck(IOptions<AuthOptions> options, IHostEnvironment environment) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (environment.IsDevelopment())
        {
            return Task.CompletedTask;
        }
        var auth = options.Value;
        var problems = new List<string>();
        if (!string.IsNullOrEmpty(auth.DevelopmentSigningKey))
        {
            problems.Add("Auth:DevelopmentSigningKey is set; it is for local use only");
        }
        if (string.IsNullOrWhiteSpace(auth.Issuer) || auth.Issuer == "rocrouting-local")
        {
            problems.Add("Auth:Issuer must name the production token issuer");
        }
        if (string.IsNullOrWhiteSpace(auth.Authority))
        {
            problems.Add("Auth:Authority must name the OpenID Connect authority that signs tokens");
        }
        return problems.Count == 0
            ? Task.CompletedTask
            : throw new InvalidOperationException($"Refusing to start in {environment.EnvironmentName}: {string.Join("; ", problems)}.");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
