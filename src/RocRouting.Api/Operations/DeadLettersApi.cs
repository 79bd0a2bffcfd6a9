using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RocRouting.Api.Infrastructure;
using RocRouting.Cases;
using RocRouting.Data;
using RocRouting.Hosting;

namespace RocRouting.Api.Operations;

/// <summary>A message that failed every retry and sits in an _error queue. Ids and types only.</summary>
public sealed record DeadLetterView(string Queue, string? MessageId, string? MessageType, string? ExceptionType, string? FaultedAt);

public sealed record RedriveResult(int Moved);

/// <summary>
/// The messages MassTransit moved to the worker's _error queues, listed without consuming them, and
/// moved back to their queue (with publisher confirms, then acknowledged) once the cause is fixed.
/// Shared by the operators' API and the console's operations page.
/// </summary>
public sealed class DeadLetters(IOptions<RabbitMqOptions> options)
{
    public async Task<List<DeadLetterView>> PeekAsync(int take, CancellationToken cancellationToken)
    {
        var list = new List<DeadLetterView>();
        await using var connection = await ConnectAsync(cancellationToken);
        foreach (var (_, errorQueue) in ReceiveQueues.All(options.Value))
        {
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            if (await ReceiveQueues.MessageCountAsync(channel, errorQueue, cancellationToken) is null)
            {
                continue;
            }
            // Peek: take up to the limit unacknowledged, read their headers, and put them all back.
            ulong last = 0;
            while (list.Count < take && await channel.BasicGetAsync(errorQueue, autoAck: false, cancellationToken) is { } message)
            {
                last = message.DeliveryTag;
                var headers = message.BasicProperties.Headers;
                list.Add(new DeadLetterView(
                    errorQueue,
                    message.BasicProperties.MessageId,
                    Header(headers, "MT-Fault-MessageType") ?? message.BasicProperties.Type,
                    Header(headers, "MT-Fault-ExceptionType"),
                    Header(headers, "MT-Fault-Timestamp")));
            }
            if (last > 0)
            {
                await channel.BasicNackAsync(last, multiple: true, requeue: true, cancellationToken);
            }
        }
        return list;
    }

    /// <summary>Moves up to <paramref name="take"/> messages back to their queues; the redrive is on the audit trail.</summary>
    public async Task<int> RedriveAsync(int take, RocDbContext db, Actor actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var moved = 0;
        await using var connection = await ConnectAsync(cancellationToken);
        foreach (var (queue, errorQueue) in ReceiveQueues.All(options.Value))
        {
            await using var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken);
            if (await ReceiveQueues.MessageCountAsync(channel, errorQueue, cancellationToken) is null)
            {
                continue;
            }
            while (moved < take && await channel.BasicGetAsync(errorQueue, autoAck: false, CancellationToken.None) is { } message)
            {
                var properties = new BasicProperties(message.BasicProperties) { Persistent = true };
                // Back to the queue itself (default exchange), not to the message exchange, so no other subscriber sees it twice.
                await channel.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, message.Body, CancellationToken.None);
                await channel.BasicAckAsync(message.DeliveryTag, multiple: false, CancellationToken.None);
                moved++;
            }
        }
        db.Audit(actor, AuditActions.DeadLettersRedrive, null, now);
        await db.SaveChangesAsync(CancellationToken.None);
        return moved;
    }

    private Task<IConnection> ConnectAsync(CancellationToken cancellationToken) =>
        new ConnectionFactory { Uri = new Uri(options.Value.Url), ClientProvidedName = "rocrouting-operations" }.CreateConnectionAsync(cancellationToken);

    private static string? Header(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value) ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            null => null,
            _ => value.ToString(),
        } : null;
}

public static class DeadLettersApi
{
    public static IEndpointRouteBuilder MapDeadLettersApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/operations/dead-letters").WithTags("Operations").RequireAuthorization(Policies.Operator);
        group.MapGet("/", ListAsync).Produces<List<DeadLetterView>>().WithName("ListDeadLetters");
        group.MapPost("/redrive", RedriveAsync).Produces<RedriveResult>().WithName("RedriveDeadLetters");
        return routes;
    }

    internal static async Task<IResult> ListAsync(string? limit, DeadLetters deadLetters, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var take = QueryValues.Int(limit, "limit", 100, 1, 1000, errors);
        return errors.Count > 0
            ? TypedResults.ValidationProblem(errors)
            : TypedResults.Ok(await deadLetters.PeekAsync(take, cancellationToken));
    }

    internal static async Task<IResult> RedriveAsync(
        string? limit, ClaimsPrincipal user, DeadLetters deadLetters, RocDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var take = QueryValues.Int(limit, "limit", 1000, 1, 10000, errors);
        return errors.Count > 0
            ? TypedResults.ValidationProblem(errors)
            : TypedResults.Ok(new RedriveResult(await deadLetters.RedriveAsync(take, db, Actor.From(user), time.GetUtcNow(), cancellationToken)));
    }
}
