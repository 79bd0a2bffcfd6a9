using System.Globalization;
using System.Security.Claims;
using System.Text;
using Microsoft.EntityFrameworkCore;
using RocRouting.Api.Infrastructure;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Hosting;
using RocRouting.Routing;

namespace RocRouting.Api.Inbox;

public sealed record InboxItemView(Guid ItemId, InboxItemKind Kind, Guid CaseId, Urgency Urgency, DateTimeOffset DueAt, DateTimeOffset CreatedAt, DateTimeOffset? ReceivedAt)
{
    public static InboxItemView From(InboxItem i) => new(i.Id, i.Kind, i.CaseId, i.Urgency, i.DueAt, i.CreatedAt, i.ReceivedAt);
}

public sealed record InboxPage(IReadOnlyList<InboxItemView> Items, string Next);

public sealed record ReceiptView(Guid ItemId, DateTimeOffset ReceivedAt);

public static class InboxApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    public static IEndpointRouteBuilder MapInboxApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/inbox").WithTags("Inbox").RequireAuthorization(Policies.Staff);
        group.MapGet("/", GetAsync).Produces<InboxPage>().ProducesValidationProblem().WithName("GetInbox");
        group.MapPost("/{itemId:guid}/receipt", ReceiptAsync).Produces<ReceiptView>().WithName("ConfirmReceipt");
        return routes;
    }

    /// <summary>
    /// Cases and signals for the caller's organisation (<see cref="CaseQueries.InboxPageAsync"/>). Without
    /// <c>after</c>: the newest first. With <c>after</c>: everything since that cursor, oldest first, so a
    /// client system that keeps polling with the returned <c>next</c> sees every item exactly once.
    /// </summary>
    internal static async Task<IResult> GetAsync(
        ClaimsPrincipal user, string? after, string? limit, RocDbContext db, RoutingConfiguration config, CancellationToken cancellationToken)
    {
        if (CaseReader.From(user, config).Organisation is not { } organisation)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "No organisation");
        }
        var errors = new Dictionary<string, string[]>();
        var take = QueryValues.Int(limit, "limit", DefaultLimit, 1, MaxLimit, errors);
        (long Tx, Guid Id) cursor = default;
        if (after is not null && !TryDecode(after, out cursor))
        {
            errors["after"] = ["is not a cursor this service issued"];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var items = await db.InboxPageAsync(organisation, after is null ? null : cursor, take, cancellationToken);
        // Newest first without a cursor (the next page starts at the newest); oldest first with one.
        var next = items.Count == 0 ? cursor : after is null ? (items[0].TxId, items[0].Id) : (items[^1].TxId, items[^1].Id);
        return TypedResults.Ok(new InboxPage([.. items.Select(InboxItemView.From)], Encode(next)));
    }

    /// <summary>A client system confirms it received an item (not that a person took the case). Repeats return the first receipt.</summary>
    internal static async Task<IResult> ReceiptAsync(
        Guid itemId, ClaimsPrincipal user, RocDbContext db, RoutingConfiguration config, TimeProvider time, CancellationToken cancellationToken)
    {
        var receivedAt = await ConfirmReceiptAsync(db, itemId, CaseReader.From(user, config).Organisation, time.GetUtcNow(), cancellationToken);
        return receivedAt is { } at
            ? TypedResults.Ok(new ReceiptView(itemId, at))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Inbox item not found");
    }

    /// <summary>
    /// Marks an item of the organisation's inbox received, once: the first receipt counts, even when two
    /// arrive at once. Returns when it was received (as stored), or null when the item is not the organisation's.
    /// </summary>
    public static async Task<DateTimeOffset?> ConfirmReceiptAsync(
        RocDbContext db, Guid itemId, Recipient? organisation, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var item = await db.InboxItems.AsNoTracking().SingleOrDefaultAsync(i => i.Id == itemId, cancellationToken);
        if (item is null || organisation is null || item.Recipient != organisation)
        {
            return null;
        }
        if (item.ReceivedAt is null)
        {
            await db.InboxItems.Where(i => i.Id == itemId && i.ReceivedAt == null)
                .ExecuteUpdateAsync(u => u.SetProperty(i => i.ReceivedAt, now), cancellationToken);
        }
        // As stored (PostgreSQL keeps microseconds), so the first answer and every repeat are the same bytes.
        return await db.InboxItems.Where(i => i.Id == itemId).Select(i => i.ReceivedAt).SingleAsync(cancellationToken);
    }

    private static string Encode((long Tx, Guid Id) cursor) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"i1:{cursor.Tx}:{cursor.Id:N}")));

    private static bool TryDecode(string text, out (long Tx, Guid Id) cursor)
    {
        cursor = default;
        try
        {
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(text)).Split(':');
            if (parts.Length == 3 && parts[0] == "i1"
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var tx)
                && Guid.TryParseExact(parts[2], "N", out var id))
            {
                cursor = (tx, id);
                return true;
            }
            return false;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
