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
/// </summary>
public static class DeadLettersApi
{
    public static IEndpointRouteBuilder MapDeadLettersApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/operations/dead-letters").WithTags("Operations").RequireAuthorization(Policies.Operator);
        group.MapGet("/", ListAsync).Produces<List<DeadLetterView>>().WithName("ListDeadLetters");
        group.MapPost("/redrive", RedriveAsync).Produces<RedriveResult>().WithName("RedriveDeadLetters");
        return routes;
    }

    internal static async Task<IResult> ListAsync(string? limit, IOptions<RabbitMqOptions> options, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var take = QueryValues.Int(limit, "limit", 100, 1, 1000, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var list = new List<DeadLetterView>();
        await using var connection = await Connect(options.Value, cancellationToken);
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
        return TypedResults.Ok(list);
    }

    internal static async Task<IResult> RedriveAsync(
        string? limit, ClaimsPrincipal user, IOptions<RabbitMqOptions> options, RocDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var take = QueryValues.Int(limit, "limit", 1000, 1, 10000, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var moved = 0;
        await using var connection = await Connect(options.Value, cancellationToken);
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
        db.Audit(Actor.From(user), AuditActions.DeadLettersRedrive, null, time.GetUtcNow());
        await db.SaveChangesAsync(CancellationToken.None);
        return TypedResults.Ok(new RedriveResult(moved));
    }

    private static Task<IConnection> Connect(RabbitMqOptions options, CancellationToken cancellationToken) =>
        new ConnectionFactory { Uri = new Uri(options.Url), ClientProvidedName = "rocrouting-operations" }.CreateConnectionAsync(cancellationToken);

    private static string? Header(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value) ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            null => null,
            _ => value.ToString(),
        } : null;
}
