using System.Diagnostics;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RocRouting.Api.Infrastructure;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Data.Privacy;
using RocRouting.Hosting;
using RocRouting.Routing;

namespace RocRouting.Api.Cases;

public sealed record AcknowledgementRequest(string? Note);

public sealed record AcknowledgedBy(string Organisation, string Sub);

public sealed record AcknowledgementView(DateTimeOffset AcknowledgedAt, AcknowledgedBy AcknowledgedBy, string? Note)
{
    public static AcknowledgementView From(Acknowledgement a) => new(a.AcknowledgedAt, new AcknowledgedBy(a.Organisation, a.Subject), a.Note);
}

public sealed record HandoverRequest(string? Reason);

public sealed record ClosureRequest(string? Outcome, string? Note);

public sealed record ClosureView(Guid CaseId, CaseOutcome Outcome, DateTimeOffset ClosedAt);

/// <summary>What the recipient's staff do with a case: take it, hand it over, close it.</summary>
public static partial class CaseActionsApi
{
    private const int MaxBodyBytes = 8 * 1024;

    public static IEndpointRouteBuilder MapCaseActionsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/cases/{caseId:guid}").WithTags("Cases").RequireAuthorization(Policies.Staff);
        group.MapPost("/acknowledgements", AcknowledgeAsync).Accepts<AcknowledgementRequest>("application/json")
            .Produces<AcknowledgementView>().ProducesProblem(StatusCodes.Status409Conflict).WithName("AcknowledgeCase");
        group.MapPost("/handovers", HandOverAsync).Accepts<HandoverRequest>("application/json")
            .Produces<CaseView>().ProducesProblem(StatusCodes.Status409Conflict).WithName("HandOverCase");
        group.MapPost("/closure", CloseAsync).Accepts<ClosureRequest>("application/json")
            .Produces<ClosureView>().ProducesProblem(StatusCodes.Status409Conflict).WithName("CloseCase");
        return routes;
    }

    /// <summary>
    /// "I have it." (<see cref="CaseLifecycle.Acknowledge"/>.) The case row is locked, so an
    /// acknowledgement racing a deadline is decided by whichever commits first.
    /// </summary>
    internal static async Task<IResult> AcknowledgeAsync(
        Guid caseId, HttpRequest http, ClaimsPrincipal user, RocDbContext db, RoutingConfiguration config, TimeProvider time, RocMetrics metrics,
        CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync<AcknowledgementRequest>(http, MaxBodyBytes, cancellationToken);
        if (request is null)
        {
            return problem!;
        }
        if (request.Note is { Length: > 1000 })
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["note"] = ["must be at most 1000 characters"] });
        }

        var now = time.GetUtcNow();
        var (@case, action) = await ActAsync(db, caseId, @case => CaseLifecycle.Acknowledge(db, @case, CaseReader.From(user, config), request.Note, now), cancellationToken);
        if (Refusal(@case, action, config) is { } refusal)
        {
            return refusal;
        }
        if (action!.Changed)
        {
            Activity.Current.TagCase(@case!.Id, @case.Urgency, municipalityCode: @case.RecipientMunicipalityCode);
            var route = @case.CurrentRoute;
            metrics.TimeToAcknowledge.Record(
                (now - route.DecidedAt).TotalSeconds,
                new("recipient_kind", Wire.Name(route.RecipientKind)),
                new("urgency", Wire.Name(@case.Urgency)));
        }
        // Answered as stored (PostgreSQL keeps microseconds), so the first answer and every repeat are the same bytes.
        var stored = await db.Acknowledgements.AsNoTracking().SingleAsync(a => a.Id == action.Result!.Id, cancellationToken);
        return TypedResults.Ok(AcknowledgementView.From(stored));
    }

    /// <summary>The recipient hands the case on (<see cref="CaseLifecycle.HandOver"/>); the new route gets fresh deadlines.</summary>
    internal static async Task<IResult> HandOverAsync(
        Guid caseId, HttpRequest http, ClaimsPrincipal user, RocDbContext db, RoutingConfiguration config, WebhookDirectory webhooks,
        PersonalDataProtector protector, TimeProvider time, RocMetrics metrics, ILogger<HandoverRequest> logger, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync<HandoverRequest>(http, MaxBodyBytes, cancellationToken);
        if (request is null)
        {
            return problem!;
        }
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > 300)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = ["is required, at most 300 characters"] });
        }

        var now = time.GetUtcNow();
        var reader = CaseReader.From(user, config);
        var (@case, action) = await ActAsync(db, caseId, @case => CaseLifecycle.HandOver(db, @case, reader, request.Reason, config, webhooks, now), cancellationToken);
        if (Refusal(@case, action, config) is { } refusal)
        {
            return refusal;
        }
        var route = action!.Result!;
        Activity.Current.TagCase(@case!.Id, @case.Urgency, route.RuleId, route.RecipientMunicipalityCode);
        metrics.RoutingDecisions.Add(1, new("rule", route.RuleId), new("recipient_kind", Wire.Name(route.RecipientKind)));
        LogHandedOver(logger, @case.Id, route.RecipientKind);

        var stored = await db.ReadCaseAsync(@case.Id, cancellationToken);
        return TypedResults.Ok(CaseView.From(stored!, CaseAccess.SeesStaffIdentity(reader), CaseAccess.SeesPersonalData(reader) ? protector : null));
    }

    /// <summary>The recipient closes the case with an outcome (<see cref="CaseLifecycle.Close"/>); closing twice returns the first closure.</summary>
    internal static async Task<IResult> CloseAsync(
        Guid caseId, HttpRequest http, ClaimsPrincipal user, RocDbContext db, RoutingConfiguration config, TimeProvider time, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync<ClosureRequest>(http, MaxBodyBytes, cancellationToken);
        if (request is null)
        {
            return problem!;
        }
        if (!Wire.TryParse<CaseOutcome>(request.Outcome, out var outcome))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["outcome"] = [$"must be one of {string.Join(", ", Wire.AllNames<CaseOutcome>())}"],
            });
        }

        var now = time.GetUtcNow();
        var (@case, action) = await ActAsync(db, caseId, @case => CaseLifecycle.Close(db, @case, CaseReader.From(user, config), outcome, now), cancellationToken);
        if (Refusal(@case, action, config) is { } refusal)
        {
            return refusal;
        }
        // Answered as stored (PostgreSQL keeps microseconds), so the first answer and every repeat are the same bytes.
        var stored = await db.Cases.AsNoTracking().Where(c => c.Id == caseId)
            .Select(c => new ClosureView(c.Id, c.Outcome!.Value, c.ClosedAt!.Value)).SingleAsync(cancellationToken);
        return TypedResults.Ok(stored);
    }

    /// <summary>
    /// Load, call, save: locks the case (with what the access rules and the transition read), runs the
    /// transition, and commits whatever it wrote, a refused attempt's audit entry included.
    /// </summary>
    private static async Task<(ChildCase? Case, StaffAction<T>? Action)> ActAsync<T>(
        RocDbContext db, Guid caseId, Func<ChildCase, StaffAction<T>> transition, CancellationToken cancellationToken) where T : class
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var @case = await db.LockCaseForActionAsync(caseId, cancellationToken);
        if (@case is null)
        {
            return (null, null);
        }
        var action = transition(@case);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (@case, action);
    }

    /// <summary>Someone who never had a role in the case gets a 404 as if it did not exist; the other refusals are 409 with where the case is.</summary>
    private static ProblemHttpResult? Refusal<T>(ChildCase? @case, StaffAction<T>? action, RoutingConfiguration config) where T : class =>
        (@case, action?.Refusal) switch
        {
            (null, _) or (_, CaseRefusal.NotFound) => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Case not found"),
            (_, CaseRefusal.Moved) => Conflict("The case has moved to another recipient", $"The case is now with {(@case.Recipient is { } r ? config.NameOf(r) : "nobody yet")}.", @case),
            (_, CaseRefusal.Closed) => Conflict("The case is closed", "A closed case cannot be changed.", @case),
            (_, CaseRefusal.NoHomeMunicipality) => Conflict("No home municipality", "The child's home municipality is unknown, so the case cannot be handed on to it.", @case),
            _ => null,
        };

    private static ProblemHttpResult Conflict(string title, string detail, ChildCase @case) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict,
        title: title,
        detail: detail,
        extensions: new Dictionary<string, object?> { ["currentRecipient"] = @case.Recipient, ["status"] = Wire.Name(@case.Status) });

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseId} handed over to {RecipientKind}")]
    private static partial void LogHandedOver(ILogger logger, Guid caseId, RecipientKind recipientKind);
}
