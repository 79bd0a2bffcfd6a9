using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using RocRouting.Api.Infrastructure;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Hosting;

namespace RocRouting.Api.Operations;

/// <summary>A delivery as operators see it: where it goes and how it fares, no personal data.</summary>
public sealed record DeliveryView(
    Guid Id, Guid ItemId, Guid CaseId, string Recipient, DeliveryState State, int Attempts,
    DateTimeOffset NextAttemptAt, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt)
{
    public static DeliveryView From(Delivery d) =>
        new(d.Id, d.InboxItemId, d.CaseId, d.Recipient, d.State, d.Attempts, d.NextAttemptAt, d.LastError, d.CreatedAt, d.DeliveredAt);
}

/// <summary>A notification as operators see it: the step, the organisation and the person's subject (who to call), and how it fared. No contact details.</summary>
public sealed record NotificationView(
    Guid Id, Guid CaseId, string Step, string Organisation, string Person, string Channel, string State, int Attempts,
    string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? SentAt)
{
    public static NotificationView From(Notification n) =>
        new(n.Id, n.CaseId, n.Step, n.Organisation, n.Person, Wire.Name(n.Channel), Wire.Name(n.State), n.Attempts, n.LastError, n.CreatedAt, n.SentAt);
}

public static class OperationsApi
{
    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/operations").WithTags("Operations").RequireAuthorization(Policies.Operator);
        group.MapGet("/deliveries", ListAsync).Produces<List<DeliveryView>>().ProducesValidationProblem().WithName("ListDeliveries");
        group.MapPost("/deliveries/{id:guid}/retry", RetryAsync).Produces<DeliveryView>().WithName("RetryDelivery");
        group.MapGet("/notifications", ListNotificationsAsync).Produces<List<NotificationView>>().ProducesValidationProblem().WithName("ListNotifications");
        return routes;
    }

    /// <summary>Deliveries by state (default: failed), most recent first, with the last error.</summary>
    internal static async Task<IResult> ListAsync(string? state, string? limit, RocDbContext db, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var wanted = DeliveryState.Failed;
        if (state is not null && !Wire.TryParse(state, out wanted))
        {
            errors["state"] = [$"must be one of {string.Join(", ", Wire.AllNames<DeliveryState>())}"];
        }
        var take = QueryValues.Int(limit, "limit", 100, 1, 500, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var rows = await db.Deliveries.AsNoTracking().Where(d => d.State == wanted)
            .OrderByDescending(d => d.CreatedAt).Take(take).ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(DeliveryView.From).ToList());
    }

    /// <summary>Notifications by state (default: failed: the people nobody reached), most recent first.</summary>
    internal static async Task<IResult> ListNotificationsAsync(string? state, string? limit, RocDbContext db, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var wanted = NotificationState.Failed;
        if (state is not null && !Wire.TryParse(state, out wanted))
        {
            errors["state"] = [$"must be one of {string.Join(", ", Wire.AllNames<NotificationState>())}"];
        }
        var take = QueryValues.Int(limit, "limit", 100, 1, 500, errors);
        return errors.Count > 0
            ? TypedResults.ValidationProblem(errors)
            : TypedResults.Ok((await NotificationsInStateAsync(db, wanted, take, cancellationToken)).Select(NotificationView.From).ToList());
    }

    /// <summary>The notifications in a state, newest first: the operators' list in the API and the console.</summary>
    public static Task<List<Notification>> NotificationsInStateAsync(RocDbContext db, NotificationState state, int take, CancellationToken cancellationToken) =>
        db.Notifications.AsNoTracking().Where(n => n.State == state)
            .OrderByDescending(n => n.CreatedAt).ThenBy(n => n.Id).Take(take).ToListAsync(cancellationToken);

    /// <summary>
    /// Puts a delivery back on the schedule, due now, for one more attempt. The attempt count is kept,
    /// so the receiver sees the retry marked as a repeat.
    /// </summary>
    internal static async Task<IResult> RetryAsync(Guid id, ClaimsPrincipal user, RocDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        switch (await RetryDeliveryAsync(db, id, Actor.From(user), time.GetUtcNow(), cancellationToken))
        {
            case null:
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Delivery not found");
            case false:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Already delivered", detail: "A delivered notification is not sent again.");
        }
        // Answered as stored.
        var stored = await db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == id, cancellationToken);
        return TypedResults.Ok(DeliveryView.From(stored));
    }

    /// <summary>One more attempt for a delivery (<see cref="CaseLifecycle.RetryDelivery"/>): null when there is no such delivery, false when it was delivered.</summary>
    public static async Task<bool?> RetryDeliveryAsync(RocDbContext db, Guid id, Actor actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var delivery = await db.LockDeliveryAsync(id, cancellationToken);
        if (delivery is null)
        {
            return null;
        }
        var retried = CaseLifecycle.RetryDelivery(db, delivery, actor, now);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return retried;
    }
}
