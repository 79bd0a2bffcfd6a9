using System.Net.Sockets;
using Npgsql;
using RabbitMQ.Client.Exceptions;
using RocRouting.Api.Infrastructure;

namespace RocRouting.IntegrationTests.Hosting;

/// <summary>
/// Which failures are a dependency down (503 with Retry-After: the client retries with the same key)
/// and which are a bug (500). The fault matrix found the first two of these answered 500 during a
/// PostgreSQL failover.
/// </summary>
public sealed class Telling_a_dependency_down_from_a_bug
{
    private static IEnumerable<TestCaseData> Down()
    {
        yield return new TestCaseData(new NpgsqlException("No suitable host was found.")).SetName("No PostgreSQL primary while a failover runs");
        yield return new TestCaseData(new PostgresException("cannot execute INSERT in a read-only transaction", "ERROR", "ERROR", "25006")).SetName("A connection to the primary of before a failover");
        yield return new TestCaseData(new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01")).SetName("PostgreSQL shutting down");
        yield return new TestCaseData(new NpgsqlException("down", new SocketException())).SetName("PostgreSQL unreachable");
        yield return new TestCaseData(new InvalidOperationException("wrapped", new TimeoutException())).SetName("A timeout inside another exception");
        yield return new TestCaseData(new BrokerUnreachableException(new IOException())).SetName("The broker unreachable");
    }

    private static IEnumerable<TestCaseData> Bugs()
    {
        yield return new TestCaseData(new PostgresException("syntax error", "ERROR", "ERROR", "42601")).SetName("A syntax error");
        yield return new TestCaseData(new PostgresException("duplicate key", "ERROR", "ERROR", "23505")).SetName("A unique violation nobody handled");
        yield return new TestCaseData(new InvalidOperationException("a bug")).SetName("A plain bug");
    }

    [TestCaseSource(nameof(Down))]
    public void Is_a_dependency_down(Exception exception) =>
        Assert.That(DependencyUnavailable.IsDependencyUnavailable(exception), Is.True);

    [TestCaseSource(nameof(Bugs))]
    public void Is_a_bug(Exception exception) =>
        Assert.That(DependencyUnavailable.IsDependencyUnavailable(exception), Is.False);
}
