using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using RocRouting.Cases;

namespace RocRouting.Api.Console;

/// <summary>
/// The organisation's identity provider (section Console:OpenIdConnect). Each organisation names
/// roles and municipalities its own way: the claim names and the role values are mapped here, by
/// configuration, to the claims the access rules read.
/// </summary>
public sealed class OrganisationSignInOptions
{
    public const string Section = "Console:OpenIdConnect";

    /// <summary>The issuer; its discovery document gives the endpoints and keys. No authority: no OpenID Connect sign-in.</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    /// <summary>A confidential client's secret (read from a file or secret store in production); empty for a public client, which PKCE alone protects.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Space-separated scopes to ask for.</summary>
    public string Scope { get; set; } = "openid profile";

    public string SubjectClaim { get; set; } = Claims.Subject;

    public string RoleClaim { get; set; } = Claims.Role;

    public string MunicipalityClaim { get; set; } = Claims.Municipality;

    public string UnitClaim { get; set; } = Claims.Unit;

    public string ServiceClaim { get; set; } = Claims.Service;

    /// <summary>
    /// The provider's role values (groups, app roles) and the RocRouting role each one gives. Empty:
    /// the provider issues RocRouting's role names itself. A value not listed gives no role.
    /// </summary>
    public Dictionary<string, string> Roles { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);

    /// <summary>
    /// The person as the service knows them: subject, roles and the organisation claims, under the
    /// service's claim names. Null when the provider gave no subject or no role this service knows,
    /// or a municipality's staff without a municipality: such a sign-in is refused, not half-made.
    /// </summary>
    public ClaimsPrincipal? Map(ClaimsPrincipal provider)
    {
        var subject = provider.FindFirst(SubjectClaim)?.Value;
        var roles = provider.FindAll(RoleClaim)
            .Select(c => Roles.Count == 0 ? c.Value : Roles.GetValueOrDefault(c.Value))
            .Where(r => r is not null && RocRouting.Cases.Roles.All.Contains(r))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (string.IsNullOrWhiteSpace(subject) || roles.Count == 0)
        {
            return null;
        }
        var claims = new List<Claim> { new(Claims.Subject, subject) };
        claims.AddRange(roles.Select(r => new Claim(Claims.Role, r!)));
        foreach (var (from, to) in new[] { (MunicipalityClaim, Claims.Municipality), (UnitClaim, Claims.Unit), (ServiceClaim, Claims.Service) })
        {
            if (provider.FindFirst(from)?.Value is { Length: > 0 } value)
            {
                claims.Add(new(to, value));
            }
        }
        if (roles.Contains(RocRouting.Cases.Roles.MunicipalityStaff) && !claims.Any(c => c.Type == Claims.Municipality))
        {
            return null;
        }
        return new ClaimsPrincipal(new ClaimsIdentity(claims, OpenIdConnectDefaults.AuthenticationScheme, Claims.Subject, Claims.Role));
    }
}

/// <summary>
/// Sign-in through the organisation's identity provider: the authorization code flow with PKCE,
/// the response as a query (a top-level GET, so the SameSite=Lax correlation cookie comes back), and
/// the provider's claims mapped to the service's before the console's cookie session is made. The
/// provider's tokens are not kept: the session needs none of them, and the cookie stays small.
/// </summary>
public static class OrganisationSignIn
{
    public static IHostApplicationBuilder AddOrganisationSignIn(this IHostApplicationBuilder builder, AuthenticationBuilder authentication)
    {
        builder.Services.AddOptions<OrganisationSignInOptions>().BindConfiguration(OrganisationSignInOptions.Section)
            .Validate(o => !o.Enabled || !string.IsNullOrWhiteSpace(o.ClientId), $"{OrganisationSignInOptions.Section}:ClientId is required with an Authority.")
            .Validate(
                o => !o.Enabled || Uri.TryCreate(o.Authority, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || builder.Environment.IsDevelopment()),
                $"{OrganisationSignInOptions.Section}:Authority must be an https address outside Development.")
            .ValidateOnStart();
        var configured = builder.Configuration.GetSection(OrganisationSignInOptions.Section).Get<OrganisationSignInOptions>();
        if (configured is not { Enabled: true })
        {
            return builder;
        }
        authentication.AddOpenIdConnect();
        builder.Services.AddOptions<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme)
            .Configure<IOptions<OrganisationSignInOptions>, IHostEnvironment>((oidc, options, env) => Configure(oidc, options.Value, env));
        return builder;
    }

    private static void Configure(OpenIdConnectOptions oidc, OrganisationSignInOptions options, IHostEnvironment env)
    {
        oidc.Authority = options.Authority;
        oidc.ClientId = options.ClientId;
        oidc.ClientSecret = string.IsNullOrEmpty(options.ClientSecret) ? null : options.ClientSecret;
        oidc.ResponseType = OpenIdConnectResponseType.Code;
        oidc.ResponseMode = OpenIdConnectResponseMode.Query;
        oidc.UsePkce = true;
        oidc.Scope.Clear();
        foreach (var scope in options.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            oidc.Scope.Add(scope);
        }
        oidc.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
        oidc.SaveTokens = false;
        oidc.MapInboundClaims = false;
        oidc.GetClaimsFromUserInfoEndpoint = false;
        oidc.RequireHttpsMetadata = !env.IsDevelopment();
        oidc.SignedOutRedirectUri = ConsoleRoutes.SignedOut;
        // Local http in Development; the browser drops a Secure cookie there.
        var secure = env.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        oidc.CorrelationCookie.SecurePolicy = secure;
        oidc.NonceCookie.SecurePolicy = secure;
        oidc.CorrelationCookie.SameSite = SameSiteMode.Lax;
        oidc.NonceCookie.SameSite = SameSiteMode.Lax;
        oidc.Events.OnTokenValidated = context =>
        {
            if (options.Map(context.Principal!) is { } person)
            {
                context.Principal = person;
            }
            else
            {
                context.Fail("The identity provider gave no role this service knows.");
            }
            return Task.CompletedTask;
        };
        // A refused or failed sign-in (no role, the person cancelled, the provider's error) gets the
        // same Swedish page; why is in the log (the protocol's message: no claim values, no person).
        oidc.Events.OnRemoteFailure = context =>
        {
            context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>()
                .CreateLogger(typeof(OrganisationSignIn))
                .LogWarning("Console sign-in through the identity provider failed: {Reason}", context.Failure?.Message);
            context.Response.Redirect(ConsoleRoutes.SignInRefused);
            context.HandleResponse();
            return Task.CompletedTask;
        };
    }

    /// <summary>The provider's origin, which the sign-out's redirect (a form post) must be allowed to reach.</summary>
    public static string? ProviderOrigin(IConfiguration configuration) =>
        configuration.GetSection(OrganisationSignInOptions.Section).Get<OrganisationSignInOptions>() is { Enabled: true } options
        && Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority)
            ? authority.GetLeftPart(UriPartial.Authority)
            : null;
}
