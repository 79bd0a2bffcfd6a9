namespace RocRouting.Api.Infrastructure;

/// <summary>
/// Headers every answer carries: nothing about children is cached by a browser or proxy, sniffed
/// into another type, framed, or leaked through a referrer.
/// </summary>
public static class SecurityHeaders
{
    /// <param name="app">The pipeline.</param>
    /// <param name="signInProvider">The identity provider's origin: signing out posts a form that is redirected there.</param>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app, string? signInProvider)
    {
        // The console loads its own script and stylesheet only: no inline script or style, no other origin.
        var policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            + $"form-action 'self'{(signInProvider is null ? "" : " " + signInProvider)}; base-uri 'none'; frame-ancestors 'none'";
        return app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.CacheControl = "no-store";
                headers.Pragma = "no-cache";
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers.ContentSecurityPolicy = policy;
                return Task.CompletedTask;
            });
            return next(context);
        });
    }
}
