using System.Globalization;
using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace RocRouting.Api.Infrastructure;

/// <summary>
/// The database unreachable (down, restarting, failing over, out of connections) is a 503 with
/// Retry-After and problem details, never a 500: the client's retry with the same Idempotency-Key
/// is the right move, and nothing was half-stored (every write is one transaction).
/// </summary>
internal sealed partial class DependencyUnavailable(IProblemDetailsService problems, ILogger<DependencyUnavailable> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    /// <summary>PostgreSQL's answers that mean "not now": connection exceptions (08), shutdown and start-up (57P0x), too many connections.</summary>
    private static readonly string[] UnavailableStates = ["57P01", "57P02", "57P03", "53300"];

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsDatabaseUnavailable(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }
        LogUnavailable(logger, exception.GetType().Name);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Service temporarily unavailable",
                Detail = "The database cannot be reached. Nothing from this request was stored; retry after the time in Retry-After with the same Idempotency-Key.",
            },
        });
    }

    public static bool IsDatabaseUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg:
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal) || UnavailableStates.Contains(pg.SqlState);
                case NpgsqlException { IsTransient: true }:
                case SocketException:
                case TimeoutException:
                    return true;
            }
        }
        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable ({Error}): answered 503")]
    private static partial void LogUnavailable(ILogger logger, string error);
}
