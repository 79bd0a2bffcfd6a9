using System.Globalization;
using System.Security.Claims;
using System.Text;
using RocRouting.Api.Infrastructure;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Hosting;
using RocRouting.Routing;

namespace RocRouting.Api.Queue;

public sealed record QueueItem(
    Guid CaseId,
    Urgency Urgency,
    CaseCategory Category,
    CaseStatus Status,
    DateTimeOffset? AcknowledgeBy,
    long? SecondsLeft,
    bool Escalated,
    string? HomeMunicipalityCode,
    string FoundInMunicipalityCode,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? AcknowledgedAt);

public sealed record QueuePage(IReadOnlyList<QueueItem> Items, string? Next);

public static class QueueApi
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public static IEndpointRouteBuilder MapQueueApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/api/v1/queue").WithTags("Queue")
            .MapGet("/", GetAsync)
            .RequireAuthorization(Policies.Staff)
            .Produces<QueuePage>()
            .ProducesValidationProblem()
            .WithName("GetQueue");
        return routes;
    }

    /// <summary>
    /// The open cases routed to the caller's organisation, most urgent first and then nearest
    /// deadline, with the time left. Filters: status and urgency (comma-separated); paging with
    /// limit and the opaque next cursor.
    /// </summary>
    internal static async Task<IResult> GetAsync(
        ClaimsPrincipal user, string? status, string? urgency, string? limit, string? next,
        RocDbContext db, RoutingConfiguration config, TimeProvider time, CancellationToken cancellationToken)
    {
        if (CaseReader.From(user, config).Organisation is not { } organisation)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "No organisation", detail: "The token names no known service or municipality.");
        }
        var errors = new Dictionary<string, string[]>();
        var statuses = ParseList<CaseStatus>(status, "status", errors);
        var urgencies = ParseList<Urgency>(urgency, "urgency", errors);
        var take = QueryValues.Int(limit, "limit", DefaultLimit, 1, MaxLimit, errors);
        var skip = 0;
        if (next is not null && !TryDecodeCursor(next, out skip))
        {
            errors["next"] = ["is not a cursor this service issued"];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var rows = await db.QueueAsync(organisation, statuses, urgencies, skip, take + 1, cancellationToken);

        var now = time.GetUtcNow();
        var items = rows.Take(take).Select(c => new QueueItem(
            c.Id,
            c.Urgency,
            c.Category,
            c.Status,
            c.AcknowledgeBy,
            c.AcknowledgeBy is { } by ? (long)Math.Floor((by - now).TotalSeconds) : null,
            c.Escalated,
            c.HomeMunicipalityCode,
            c.FoundInMunicipalityCode,
            c.SubmittedAt,
            c.AcknowledgedAt)).ToList();
        return TypedResults.Ok(new QueuePage(items, rows.Count > take ? EncodeCursor(skip + take) : null));
    }

    private static List<T> ParseList<T>(string? text, string field, Dictionary<string, string[]> errors) where T : struct, Enum
    {
        var values = new List<T>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Wire.TryParse<T>(part, out var value))
            {
                values.Add(value);
            }
            else
            {
                errors[field] = [$"must be one or more of {string.Join(", ", Wire.AllNames<T>())}, comma-separated"];
            }
        }
        return values;
    }

    private static string EncodeCursor(int offset) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"q1:{offset}")));

    private static bool TryDecodeCursor(string cursor, out int offset)
    {
        offset = 0;
        try
        {
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(cursor));
            return text.StartsWith("q1:", StringComparison.Ordinal)
                && int.TryParse(text.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out offset);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
