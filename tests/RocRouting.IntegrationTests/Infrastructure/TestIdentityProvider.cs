using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>
/// An organisation's identity provider for the sign-in tests: a real OpenID Connect server
/// (OpenIddict, its stores in the run's PostgreSQL) with a login page listing fictitious people, a
/// session of its own (so signing out there is observable), and claims named the way an
/// organisation's directory names them ("groups", "kommunkod"), not the way RocRouting does.
/// Reached as http://localhost:port, another site than the console on 127.0.0.1.
/// </summary>
public sealed class TestIdentityProvider : IAsyncDisposable
{
    public const string ClientId = "rocrouting-console";
    public const string ClientSecret = "test-only-console-client-secret";

    public sealed record Person(string Subject, string Name, string[] Groups, string? Kommunkod = null);

    public static Person SocialWorker { get; } = new("idp-anna", "Anna Testperson (socialjour)", ["roc-socialjour", "alla-anstallda"]);

    public static Person MunicipalityWorker { get; } = new("idp-kim", "Kim Testperson (Nacka)", ["roc-kommun"], "0182");

    public static Person NoRoleHere { get; } = new("idp-lo", "Lo Testperson (ingen roll)", ["alla-anstallda"]);

    private static readonly Person[] People = [SocialWorker, MunicipalityWorker, NoRoleHere];

    private readonly WebApplication _app;

    private TestIdentityProvider(WebApplication app, Uri authority)
    {
        _app = app;
        Authority = authority;
    }

    public Uri Authority { get; }

    /// <summary>The console's settings for this provider: claim names and role values mapped as an organisation would.</summary>
    public Dictionary<string, string?> ConsoleSettings() => new()
    {
        ["Console:OpenIdConnect:Authority"] = Authority.ToString(),
        ["Console:OpenIdConnect:ClientId"] = ClientId,
        ["Console:OpenIdConnect:ClientSecret"] = ClientSecret,
        ["Console:OpenIdConnect:RoleClaim"] = "groups",
        ["Console:OpenIdConnect:MunicipalityClaim"] = "kommunkod",
        ["Console:OpenIdConnect:Roles:roc-socialjour"] = "socialjour-staff",
        ["Console:OpenIdConnect:Roles:roc-kommun"] = "municipality-staff",
    };

    public static async Task<TestIdentityProvider> StartAsync()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("idp");
        var builder = LoopbackServer.CreateBuilder();
        builder.Services.AddDbContext<IdentityProviderDb>(o => o.UseNpgsql(connectionString).UseOpenIddict());
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o => o.Cookie.Name = "idp-session");
        builder.Services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<IdentityProviderDb>())
            .AddServer(o =>
            {
                o.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetEndSessionEndpointUris("connect/end-session");
                o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                o.RegisterScopes(Scopes.OpenId, Scopes.Profile);
                o.AddEphemeralEncryptionKey().AddEphemeralSigningKey();
                o.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .DisableTransportSecurityRequirement();
            });
        var app = builder.Build();
        app.UseAuthentication();
        app.MapMethods("/connect/authorize", ["GET", "POST"], (Func<HttpContext, Task<IResult>>)AuthorizeAsync);
        app.MapMethods("/connect/end-session", ["GET", "POST"], (Func<HttpContext, Task<IResult>>)EndSessionAsync);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IdentityProviderDb>().Database.EnsureCreatedAsync();
        }
        await app.StartAsync();
        var port = LoopbackServer.AddressOf(app.Services).Port;
        return new TestIdentityProvider(app, new Uri($"http://localhost:{port}/"));
    }

    /// <summary>Registers the console at <paramref name="console"/> as a confidential client that must use PKCE.</summary>
    public async Task RegisterConsoleAsync(Uri console)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        await applications.CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = ClientId,
            ClientSecret = ClientSecret,
            ClientType = ClientTypes.Confidential,
            RedirectUris = { new Uri(console, "/signin-oidc") },
            PostLogoutRedirectUris = { new Uri(console, "/signout-callback-oidc") },
            Permissions =
            {
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession,
                Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code, Permissions.Scopes.Profile,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        });
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext http)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an authorization request.");
        Person? person = null;
        if (http.Request.HasFormContentType && (await http.Request.ReadFormAsync())["person"].ToString() is { Length: > 0 } chosen)
        {
            person = People.Single(p => p.Subject == chosen);
            await http.SignInAsync(new ClaimsPrincipal(new ClaimsIdentity([new Claim(Claims.Subject, person.Subject)], "idp")));
        }
        else if ((await http.AuthenticateAsync()).Principal?.FindFirst(Claims.Subject)?.Value is { } signedIn)
        {
            person = People.Single(p => p.Subject == signedIn);
        }
        if (person is null)
        {
            return Results.Content(LoginPage(request), "text/html; charset=utf-8");
        }

        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, person.Subject).SetClaim(Claims.Name, person.Name).SetClaims("groups", [.. person.Groups]);
        if (person.Kommunkod is not null)
        {
            identity.SetClaim("kommunkod", person.Kommunkod);
        }
        identity.SetScopes(request.GetScopes());
        identity.SetDestinations(_ => [Destinations.IdentityToken]);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> EndSessionAsync(HttpContext http)
    {
        await http.SignOutAsync();
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    /// <summary>The provider's own login page: pick a person; the authorization request is posted again with the choice.</summary>
    private static string LoginPage(OpenIddictRequest request)
    {
        var html = new StringBuilder("<!doctype html><html lang=\"sv\"><head><title>Organisationens inloggning</title></head><body><main>");
        html.Append("<h1>Organisationens inloggning</h1><form method=\"post\" action=\"/connect/authorize\">");
        foreach (var (name, value) in request.GetParameters())
        {
            html.Append(CultureInfo.InvariantCulture, $"<input type=\"hidden\" name=\"{HtmlEncoder.Default.Encode(name)}\" value=\"{HtmlEncoder.Default.Encode((string?)value ?? "")}\">");
        }
        foreach (var person in People)
        {
            html.Append(CultureInfo.InvariantCulture, $"<button name=\"person\" value=\"{person.Subject}\">{HtmlEncoder.Default.Encode(person.Name)}</button>");
        }
        return html.Append("</form></main></body></html>").ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>The provider's stores: applications, authorizations, scopes, tokens.</summary>
public sealed class IdentityProviderDb(DbContextOptions<IdentityProviderDb> options) : DbContext(options);
