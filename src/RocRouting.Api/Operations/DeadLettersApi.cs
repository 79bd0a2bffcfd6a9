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
/// The messages MassTransit moved to the worker's _error queues, listed without spending a delivery,
/// and moved back to their queue (with publisher confirms, then acknowledged) once the cause is fixed.
/// Shared by the operators' API and the console's operations page.
/// </summary>
public sealed class DeadLetters(IOptions<RabbitMqOptions> options)
{
    /// <summary>The longest error queue a listing takes all the way round; beyond it the order shifts between listings.</summary>
    public const int MaxRotation = 10_000;

    /// <summary>
    /// AMQP 0-9-1 has no way to read a message without taking it, and a message put back
    /// (nack with requeue) counts as a delivery on a quorum queue, which drops it past its delivery
    /// limit (20 by default from RabbitMQ 4.0): looking twenty times would lose a dead letter. So each
    /// message read is published again to the tail of its queue, confirmed, and only then acknowledged:
    /// a fresh copy that has spent nothing. The whole queue goes round, so it is in the same order
    /// afterwards and a repeated listing answers the same. A crash between the confirm and the
    /// acknowledgement leaves a second copy, never none (redriving both is harmless: the consumers
    /// are idempotent).
    /// </summary>
    public async Task<List<DeadLetterView>> PeekAsync(int take, CancellationToken cancellationToken)
    {
        var list = new List<DeadLetterView>();
        await using var connection = await ConnectAsync(cancellationToken);
        foreach (var (_, errorQueue) in ReceiveQueues.All(options.Value))
        {
            await using var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken);
            if (await ReceiveQueues.MessageCountAsync(channel, errorQueue, cancellationToken) is not { } count)
            {
                continue;
            }
            for (var i = 0; i < Math.Min(count, MaxRotation); i++)
            {
                // Once a message is taken, it goes round whatever the caller's token says.
                if (await channel.BasicGetAsync(errorQueue, autoAck: false, CancellationToken.None) is not { } message)
                {
                    break;
                }
                var headers = message.BasicProperties.Headers;
                if (list.Count < take)
                {
                    list.Add(new DeadLetterView(
                        errorQueue,
                        message.BasicProperties.MessageId,
                        Header(headers, "MT-Fault-MessageType") ?? message.BasicProperties.Type,
                        Header(headers, "MT-Fault-ExceptionType"),
                        Header(headers, "MT-Fault-Timestamp")));
                }
                await channel.BasicPublishAsync(string.Empty, errorQueue, mandatory: true, Fresh(message.BasicProperties), message.Body, CancellationToken.None);
                await channel.BasicAckAsync(message.DeliveryTag, multiple: false, CancellationToken.None);
            }
        }
        return list;
    }

    /// <summary>The message's properties for a copy that starts with no deliveries spent.</summary>
    private static BasicProperties Fresh(IReadOnlyBasicProperties properties)
    {
        var copy = new BasicProperties(properties) { Persistent = true };
        copy.Headers?.Remove("x-delivery-count");
        return copy;
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
                var properties = Fresh(message.BasicProperties);
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
        new ConnectionFactory { Uri = options.Value.ConnectionUri(), ClientProvidedName = "rocrouting-operations" }.CreateConnectionAsync(cancellationToken);

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
