using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;

namespace RocRouting.Api.Console;

public sealed class ConsoleOptions
{
    /// <summary>A console session ends after this long without a request (the live feed's refreshes count).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>How often each instance reads new timeline events for its open consoles.</summary>
    public TimeSpan LivePollInterval { get; set; } = TimeSpan.FromMilliseconds(100);
}

/// <summary>
/// How people sign in to the console: a cookie session (HttpOnly, SameSite=Lax, Secure outside
/// Development, sliding idle timeout). The JSON API under /api keeps bearer tokens only, so a cookie
/// never authorises an API call (no cross-site request can act with it).
/// </summary>
public static class ConsoleSignIn
{
    /// <summary>Chooses per request: bearer for /api, /openapi and any request with an Authorization header, the cookie otherwise.</summary>
    public const string Scheme = "roc";

    /// <summary>The console's scripts ask with this header: they get a 401, not a redirect to the sign-in page.</summary>
    public const string ScriptHeader = "X-Roc-Live";

    public static IHostApplicationBuilder AddConsoleSignIn(this IHostApplicationBuilder builder)
    {
        var authentication = builder.Services.AddAuthentication(o =>
            {
                o.DefaultScheme = Scheme;
                o.DefaultChallengeScheme = Scheme;
                o.DefaultForbidScheme = Scheme;
            });
        authentication
            .AddPolicyScheme(Scheme, "Bearer token or console session", o => o.ForwardDefaultSelector = http =>
                http.Request.Path.StartsWithSegments("/api") || http.Request.Path.StartsWithSegments("/openapi")
                    || http.Request.Headers.Authorization.Count > 0
                    ? JwtBearerDefaults.AuthenticationScheme
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie();
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<ConsoleOptions>, IHostEnvironment>((cookie, console, env) =>
            {
                // The __Host- prefix pins the cookie to this host and path and needs Secure, so not on local http.
                cookie.Cookie.Name = env.IsDevelopment() ? "roc-session" : "__Host-roc-session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = env.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
                cookie.ExpireTimeSpan = console.Value.IdleTimeout;
                cookie.SlidingExpiration = true;
                cookie.LoginPath = ConsoleRoutes.SignIn;
                cookie.AccessDeniedPath = ConsoleRoutes.Forbidden;
                cookie.Events.OnRedirectToLogin = context => Answer(context, StatusCodes.Status401Unauthorized);
                cookie.Events.OnRedirectToAccessDenied = context => Answer(context, StatusCodes.Status403Forbidden);
            });
        builder.AddOrganisationSignIn(authentication);
        return builder;
    }

    /// <summary>A script (live feed, refresh) gets the status code; a person's browser is redirected.</summary>
    private static Task Answer(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Headers.ContainsKey(ScriptHeader) || context.Request.Path.StartsWithSegments(ConsoleRoutes.Live))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }
        return Task.CompletedTask;
    }

    public static IEndpointRouteBuilder MapConsoleSignIn(this IEndpointRouteBuilder routes, IHostEnvironment environment)
    {
        // The organisation's identity provider when one is configured; the fictitious identities in Development otherwise.
        routes.MapGet(ConsoleRoutes.SignIn, (HttpContext http, string? returnUrl, IOptions<OrganisationSignInOptions> provider) =>
            provider.Value.Enabled
                ? Results.Challenge(new AuthenticationProperties { RedirectUri = LocalOrStart(returnUrl, null) }, [OpenIdConnectDefaults.AuthenticationScheme])
                : environment.IsDevelopment()
                    ? Results.Redirect(ConsoleRoutes.DevSignIn + QueryString.Create("returnUrl", LocalOrStart(returnUrl, null)))
                    : Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Sign-in is not configured"))
            .AllowAnonymous();
        routes.MapPost(ConsoleRoutes.SignOut, async (HttpContext http) =>
            {
                var throughProvider = http.User.Identity?.AuthenticationType == OpenIdConnectDefaults.AuthenticationScheme;
                await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                // Ends the provider's session too, so the next person at a shared computer signs in as themselves.
                return throughProvider
                    ? Results.SignOut(new AuthenticationProperties { RedirectUri = ConsoleRoutes.SignedOut }, [OpenIdConnectDefaults.AuthenticationScheme])
                    : Results.Redirect(ConsoleRoutes.SignedOut);
            })
            .WithMetadata(new RequireAntiforgeryTokenAttribute());

        return routes;
    }

    /// <summary>
    /// Antiforgery for a script's JSON request with the console's session: the token in the
    /// RequestVerificationToken header (the middleware checks forms only).
    /// </summary>
    public static RouteHandlerBuilder RequireAntiforgeryHeader(this RouteHandlerBuilder endpoint) => endpoint.AddEndpointFilter(async (context, next) =>
        await context.HttpContext.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(context.HttpContext)
            ? await next(context)
            : TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Antiforgery token missing or invalid", detail: "Send the page's token in the RequestVerificationToken header."));

    /// <summary>Only a path of this site: an absolute address in returnUrl would make the sign-in an open redirect.</summary>
    public static string LocalOrStart(string? returnUrl, string? role) =>
        returnUrl is { Length: > 1 } url && url[0] == '/' && url[1] is not '/' and not '\\' && !url.Contains("://", StringComparison.Ordinal)
            ? url
            : role is null ? ConsoleRoutes.Start : ConsoleRoutes.StartOf(role);
}
