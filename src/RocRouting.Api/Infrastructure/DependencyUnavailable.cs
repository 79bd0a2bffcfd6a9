using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using RocRouting.Api.Console;
using RocRouting.Hosting;

namespace RocRouting.Api.Infrastructure;

/// <summary>
/// A dependency unreachable (the database down, restarting, failing over or out of connections; the
/// broker, for the operators' dead-letter endpoints) is a 503 with Retry-After and problem details,
/// never a 500: the client's retry with the same Idempotency-Key is the right move, and nothing was
/// half-stored (every write is one transaction).
/// </summary>
internal sealed partial class DependencyUnavailable(IProblemDetailsService problems, ILogger<DependencyUnavailable> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsDependencyUnavailable(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }
        LogUnavailable(logger, exception.GetType().Name);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        if (ConsoleRoutes.IsPageRequest(httpContext.Request))
        {
            // No page can be rendered without the database: a fixed Swedish page. Going back keeps a
            // filled-in form, and its idempotency key makes a second send one case.
            httpContext.Response.ContentType = "text/html; charset=utf-8";
            await httpContext.Response.WriteAsync(UnavailablePage, cancellationToken);
            return true;
        }
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Service temporarily unavailable",
                Detail = "A service this request needs cannot be reached. Nothing from this request was stored; retry after the time in Retry-After (with the same Idempotency-Key for a submission).",
            },
        });
    }

    private static readonly string UnavailablePage = FixedPage(Text.UnavailableTitle, Text.UnavailableText);

    /// <summary>A Swedish page that needs nothing but this text: for when the console itself cannot render.</summary>
    public static string FixedPage(string title, string text) =>
        "<!doctype html><html lang=\"sv\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + $"<title>{title} – {Text.AppName}</title><link rel=\"stylesheet\" href=\"/console.css\"></head>"
        + $"<body><main id=\"main\"><h1>{title}</h1><p>{text}</p><p><a href=\"{ConsoleRoutes.Start}\">{Text.ToStart}</a></p></main></body></html>";

    public static bool IsDependencyUnavailable(Exception exception) => DependencyFailures.IsUnavailable(exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A dependency is unavailable ({Error}): answered 503")]
    private static partial void LogUnavailable(ILogger logger, string error);
}

/// <summary>
/// Any other failure of a page request: a Swedish page (a person's browser should never show a JSON
/// problem), logged as the framework would have logged it. The JSON API keeps its problem details.
/// </summary>
internal sealed partial class ConsoleErrorPage(ILogger<ConsoleErrorPage> logger) : IExceptionHandler
{
    private static readonly string Page = DependencyUnavailable.FixedPage(Text.StatusTitle, Swedish.Format(Text.StatusText, StatusCodes.Status500InternalServerError));

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!ConsoleRoutes.IsPageRequest(httpContext.Request) || httpContext.Response.HasStarted)
        {
            return false;
        }
        LogFailed(logger, exception);
        httpContext.Response.StatusCode = StatusCodes.Status500InternalServerError;
        httpContext.Response.ContentType = "text/html; charset=utf-8";
        await httpContext.Response.WriteAsync(Page, cancellationToken);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A console page failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
