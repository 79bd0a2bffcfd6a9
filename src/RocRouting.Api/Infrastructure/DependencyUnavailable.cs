using System.Globalization;
using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using RabbitMQ.Client.Exceptions;
using RocRouting.Api.Console;

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

    /// <summary>PostgreSQL's answers that mean "not now": connection exceptions (08), shutdown and start-up (57P0x), too many connections.</summary>
    private static readonly string[] UnavailableStates = ["57P01", "57P02", "57P03", "53300"];

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

    private static readonly string UnavailablePage =
        "<!doctype html><html lang=\"sv\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + $"<title>{Text.UnavailableTitle} – {Text.AppName}</title><link rel=\"stylesheet\" href=\"/console.css\"></head>"
        + $"<body><main id=\"main\"><h1>{Text.UnavailableTitle}</h1><p>{Text.UnavailableText}</p></main></body></html>";

    public static bool IsDependencyUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg:
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal) || UnavailableStates.Contains(pg.SqlState);
                case NpgsqlException { IsTransient: true }:
                case BrokerUnreachableException:
                case SocketException:
                case TimeoutException:
                    return true;
            }
        }
        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A dependency is unavailable ({Error}): answered 503")]
    private static partial void LogUnavailable(ILogger logger, string error);
}
