using System.Net.Sockets;
using Npgsql;
using RabbitMQ.Client.Exceptions;

namespace RocRouting.Hosting;

/// <summary>
/// Which failures mean "a dependency is down or moving, try again" rather than "a bug": the API
/// answers the first with 503 and Retry-After, and the bus retries a consumer through them for
/// longer than through a bug.
/// </summary>
public static class DependencyFailures
{
    /// <summary>
    /// PostgreSQL's answers that mean "not now": connection exceptions (08), shutdown and start-up
    /// (57P0x), too many connections, and a read-only transaction (25006: a connection to a server that
    /// was the primary before a failover).
    /// </summary>
    private static readonly string[] UnavailableStates = ["57P01", "57P02", "57P03", "53300", "25006"];

    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg:
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal) || UnavailableStates.Contains(pg.SqlState);
                // Npgsql's own exceptions (not the server's answer) are about reaching a server: an I/O
                // error, a timeout, or "No suitable host was found" while a failover has no primary yet.
                case NpgsqlException:
                case BrokerUnreachableException:
                case SocketException:
                case TimeoutException:
                    return true;
            }
        }
        return false;
    }
}
