using Microsoft.EntityFrameworkCore;
using RocRouting.Api.Infrastructure;
using RocRouting.Cases;
using RocRouting.Data;
using RocRouting.Data.Privacy;

namespace RocRouting.Api.Notifications;

public sealed record PushReceiptBody(string? Receipt);

/// <summary>
/// Push receipts: the console's service worker posts the receipt a push carried once the browser
/// has shown the alert. Push services do not say whether a message reached the phone (RFC 8030's
/// receipts are not offered by the browsers' services), so the browser says it. A push with a
/// receipt is delivered: the SMS that would follow it is not sent. The receipt is signed and names
/// only the notification, so the call needs no session (the phone's may have ended).
/// </summary>
public static class PushReceiptsApi
{
    private const int MaxBodyBytes = 1024;

    public static IEndpointRouteBuilder MapPushReceiptsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/v1/push-receipts", RecordAsync).AllowAnonymous().DisableAntiforgery()
            .Accepts<PushReceiptBody>("application/json")
            .Produces(StatusCodes.Status204NoContent).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .WithTags("Notifications").WithName("RecordPushReceipt");
        return routes;
    }

    internal static async Task<IResult> RecordAsync(
        HttpRequest http, RocDbContext db, AcknowledgementLinks links, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<PushReceiptBody>(http, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (string.IsNullOrEmpty(body!.Receipt))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["receipt"] = ["is required: the receipt the push carried"] });
        }
        var now = time.GetUtcNow();
        if (!links.TryReadReceipt(body.Receipt, now, out var id, out var expired))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown receipt", detail: "The receipt is not one this service signed.");
        }
        if (!expired)
        {
            // The first receipt counts; a browser showing the alert again changes nothing.
            await db.Notifications.Where(n => n.Id == id && n.Channel == ContactChannel.Push && n.DeliveredAt == null)
                .ExecuteUpdateAsync(u => u.SetProperty(n => n.DeliveredAt, now), cancellationToken);
        }
        // An expired receipt is answered alike: the browser has nothing to do about it, and its SMS has gone.
        return TypedResults.NoContent();
    }
}
