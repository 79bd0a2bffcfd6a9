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
    /// <summary>For the staff who acknowledged: their own note, opened.</summary>
    public static AcknowledgementView From(Acknowledgement a, PersonalDataProtector protector) =>
        new(a.AcknowledgedAt, new AcknowledgedBy(a.Organisation, a.Subject), protector.OpenOrNull(a.SealedNote, a.CaseId, PersonalField.AcknowledgementNote));
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

    internal static async Task<IResult> AcknowledgeAsync(
        Guid caseId, HttpRequest http, ClaimsPrincipal user, RocDbContext db, PersonalDataProtector protector, RoutingConfiguration config, TimeProvider time,
        RocMetrics metrics, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync<AcknowledgementRequest>(http, MaxBodyBytes, cancellationToken);
        if (request is null)
        {
            return problem!;
        }
        if (!CaseCommands.IsValidNote(request.Note))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["note"] = [$"must be at most {CaseCommands.MaxNoteLength} characters"] });
        }

        var result = await CaseCommands.AcknowledgeAsync(db, protector, caseId, CaseReader.From(user, config), request.Note, metrics, time.GetUtcNow(), cancellationToken);
        if (Refusal(result, config) is { } refusal)
        {
            return refusal;
        }
        // Answered as stored (PostgreSQL keeps microseconds), so the first answer and every repeat are the same bytes.
        var stored = await db.Acknowledgements.AsNoTracking().SingleAsync(a => a.Id == result.Action!.Result!.Id, cancellationToken);
        return TypedResults.Ok(AcknowledgementView.From(stored, protector));
    }

    internal static async Task<IResult> HandOverAsync(
        Guid caseId, HttpRequest http, ClaimsPrincipal user, RocDbContext db, RoutingConfiguration config, WebhookDirectory webhooks,
        PersonalDataProtector protector, NotificationPlanner planner, TimeProvider time, RocMetrics metrics, ILogger<HandoverRequest> logger,
        CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync<HandoverRequest>(http, MaxBodyBytes, cancellationToken);
        if (request is null)
        {
            return problem!;
        }
        if (!CaseCommands.IsValidReason(request.Reason))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = [$"is required, at most {CaseCommands.MaxReasonLength} characters"] });
        }

        var reader = CaseReader.From(user, config);
        var result = await CaseCommands.HandOverAsync(
            db, protector, caseId, reader, request.Reason!, config, webhooks, planner, metrics, time.GetUtcNow(), cancellationToken);
        if (Refusal(result, config) is { } refusal)
        {
            return refusal;
        }
        LogHandedOver(logger, caseId, result.Action!.Result!.RecipientKind);
        var stored = await db.ReadCaseAsync(caseId, cancellationToken);
        return TypedResults.Ok(CaseView.From(stored!, reader, protector));
    }

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

        var result = await CaseCommands.CloseAsync(db, caseId, CaseReader.From(user, config), outcome, time.GetUtcNow(), cancellationToken);
        if (Refusal(result, config) is { } refusal)
        {
            return refusal;
        }
        // Answered as stored (PostgreSQL keeps microseconds), so the first answer and every repeat are the same bytes.
        var stored = await db.Cases.AsNoTracking().Where(c => c.Id == caseId)
            .Select(c => new ClosureView(c.Id, c.Outcome!.Value, c.ClosedAt!.Value)).SingleAsync(cancellationToken);
        return TypedResults.Ok(stored);
    }

    /// <summary>Someone who never had a role in the case gets a 404 as if it did not exist; the other refusals are 409 with where the case is.</summary>
    private static ProblemHttpResult? Refusal<T>(CaseCommandResult<T> result, RoutingConfiguration config) where T : class =>
        (result.Refusal, result.Case) switch
        {
            (null, _) => null,
            (CaseRefusal.NotFound, _) or (_, null) => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Case not found"),
            (CaseRefusal.Moved, { } c) => Conflict("The case has moved to another recipient", $"The case is now with {(c.Recipient is { } r ? config.NameOf(r) : "nobody yet")}.", c),
            (CaseRefusal.Closed, { } c) => Conflict("The case is closed", "A closed case cannot be changed.", c),
            (CaseRefusal.NoHomeMunicipality, { } c) => Conflict("No home municipality", "The child's home municipality is unknown, so the case cannot be handed on to it.", c),
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
