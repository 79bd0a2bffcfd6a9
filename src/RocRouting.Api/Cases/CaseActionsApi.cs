using System.Diagnostics;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RocRouting.Api.Infrastructure;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Data.Diagnostics;
using RocRouting.Data.Privacy;
using RocRouting.Data.Outbox;
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
    /// "I have it." Only the organisation the case is routed to may say so; a repeat gets the first
    /// acknowledgement back; after escalation moved the case elsewhere the answer is 409 with the
    /// current recipient. The case row is locked, so an acknowledgement racing a deadline is decided
    /// by whichever commits first.
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

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (@case, refusal) = await LockAsRecipientAsync(db, caseId, user, config, time, cancellationToken);
        if (@case is null)
        {
            return refusal!;
        }
        var route = await db.CurrentRouteAsync(@case, cancellationToken);
        if (await db.Acknowledgements.AsNoTracking().SingleOrDefaultAsync(a => a.RouteId == route.Id, cancellationToken) is { } first)
        {
            return TypedResults.Ok(AcknowledgementView.From(first));
        }
        if (!@case.IsOpen)
        {
            return Conflict("The case is closed", "A closed case cannot be acknowledged.", @case);
        }

        var now = time.GetUtcNow();
        var acknowledgement = new Acknowledgement
        {
            CaseId = @case.Id,
            RouteId = route.Id,
            Organisation = @case.Recipient!.ToString(),
            Subject = user.FindFirstValue(Claims.Subject) ?? "",
            Note = string.IsNullOrWhiteSpace(request.Note) ? null : request.Note,
            AcknowledgedAt = now,
        };
        db.Acknowledgements.Add(acknowledgement);
        db.Audit(Actor.From(user, acknowledgement.Organisation), "case.acknowledge", @case.Id, now);
        @case.Status = CaseStatus.Acknowledged;
        @case.AcknowledgedAt = now;
        CaseWorkflow.AddEvent(db, @case, CaseEventKind.Acknowledged, now, $"by {acknowledgement.Organisation}");
        db.Enqueue(
            new CaseAcknowledged { CaseId = @case.Id, RouteSequence = route.Sequence, Recipient = @case.Recipient, AcknowledgedAt = now },
            MessageIds.For(@case.Id, nameof(CaseAcknowledged), route.Sequence),
            now);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Activity.Current.TagCase(@case.Id, @case.Urgency, municipalityCode: @case.RecipientMunicipalityCode);
        metrics.TimeToAcknowledge.Record(
            (now - route.DecidedAt).TotalSeconds,
            new("recipient_kind", Wire.Name(route.Recipient.Kind)),
            new("urgency", Wire.Name(@case.Urgency)));
        return TypedResults.Ok(AcknowledgementView.From(acknowledgement));
    }

    /// <summary>
    /// The recipient hands the case on: a municipality to the socialjour (e.g. its office is about
    /// to close), the socialjour to the home municipality. The new route gets fresh deadlines.
    /// </summary>
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

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (@case, refusal) = await LockAsRecipientAsync(db, caseId, user, config, time, cancellationToken);
        if (@case is null)
        {
            return refusal!;
        }
        if (!@case.IsOpen)
        {
            return Conflict("The case is closed", "A closed case cannot be handed over.", @case);
        }
        var now = time.GetUtcNow();
        var from = config.NameOf(@case.Recipient!);
        RoutingDecision decision;
        if (@case.RecipientKind == RecipientKind.HomeMunicipality)
        {
            decision = RoutingPolicy.RerouteToSocialEmergencyService(@case.Facts(), now, config, RuleIds.HandoverToSocialjour,
                $"Handed over by {from}: {request.Reason.Trim()}");
        }
        else if (@case.HomeMunicipalityCode is not null)
        {
            decision = RoutingPolicy.RerouteToHomeMunicipality(@case.Facts(), now, config, RuleIds.HandoverToHomeMunicipality,
                $"Handed over by {from}: {request.Reason.Trim()}");
        }
        else
        {
            return Conflict("No home municipality", "The child's home municipality is unknown, so the case cannot be handed on to it.", @case);
        }
        CaseWorkflow.ApplyRoute(db, @case, decision, config, webhooks, now, CaseEventKind.HandedOver);
        db.Audit(Actor.From(user, from), "case.handover", @case.Id, now);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Activity.Current.TagCase(@case.Id, @case.Urgency, decision.RuleId, decision.Recipient.MunicipalityCode);
        metrics.RoutingDecisions.Add(1, new("rule", decision.RuleId), new("recipient_kind", Wire.Name(decision.Recipient.Kind)));
        LogHandedOver(logger, @case.Id, decision.Recipient.Kind);

        var view = await CasesApi.LoadViewAsync(db, @case.Id, protector, cancellationToken);
        return TypedResults.Ok(view);
    }

    /// <summary>The recipient closes the case with an outcome; closed cases leave the queue. Closing twice returns the first closure.</summary>
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

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var (@case, refusal) = await LockAsRecipientAsync(db, caseId, user, config, time, cancellationToken);
        if (@case is null)
        {
            return refusal!;
        }
        if (!@case.IsOpen)
        {
            return TypedResults.Ok(new ClosureView(@case.Id, @case.Outcome!.Value, @case.ClosedAt!.Value));
        }
        var now = time.GetUtcNow();
        @case.Status = CaseStatus.Closed;
        @case.ClosedAt = now;
        @case.Outcome = outcome;
        db.Audit(Actor.From(user), "case.close", @case.Id, now);
        CaseWorkflow.AddEvent(db, @case, CaseEventKind.Closed, now, $"by {@case.Recipient}: {Wire.Name(outcome)}");
        db.Enqueue(new CaseClosed { CaseId = @case.Id, Outcome = Wire.Name(outcome), ClosedAt = now }, MessageIds.For(@case.Id, nameof(CaseClosed)), now);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new ClosureView(@case.Id, outcome, now));
    }

    /// <summary>
    /// Locks the case for the caller's organisation. Someone who never had a role in the case gets a
    /// 404 as if it did not exist; an organisation the case has moved away from gets a 409 naming the
    /// current recipient.
    /// </summary>
    private static async Task<(ChildCase? Case, IResult? Refusal)> LockAsRecipientAsync(
        RocDbContext db, Guid caseId, ClaimsPrincipal user, RoutingConfiguration config, TimeProvider time, CancellationToken cancellationToken)
    {
        var organisation = StaffOrganisation.Of(user, config);
        var @case = await db.LockCaseAsync(caseId, cancellationToken);
        if (@case is null)
        {
            return (null, NotFound());
        }
        if (organisation is null)
        {
            await AuditDeniedAsync(db, user, caseId, time.GetUtcNow(), cancellationToken);
            return (null, NotFound());
        }
        if (@case.Recipient == organisation)
        {
            return (@case, null);
        }
        var hadIt = await db.CaseRoutes.AnyAsync(r => r.CaseId == caseId && r.RecipientKind == organisation.Kind
            && r.RecipientMunicipalityCode == organisation.MunicipalityCode && r.RecipientServiceId == organisation.ServiceId, cancellationToken);
        await AuditDeniedAsync(db, user, caseId, time.GetUtcNow(), cancellationToken);
        return hadIt
            ? (null, Conflict("The case has moved to another recipient", $"The case is now with {(@case.Recipient is { } r ? config.NameOf(r) : "nobody yet")}.", @case))
            : (null, NotFound());
    }

    /// <summary>A refused attempt is recorded and committed on its own: the caller's transaction changes nothing else.</summary>
    private static async Task AuditDeniedAsync(RocDbContext db, ClaimsPrincipal user, Guid caseId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        db.Audit(Actor.From(user), "case.change", caseId, at, AuditTrail.Denied);
        await db.SaveChangesAsync(cancellationToken);
        await db.Database.CommitTransactionAsync(cancellationToken);
    }

    private static ProblemHttpResult NotFound() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Case not found");

    private static ProblemHttpResult Conflict(string title, string detail, ChildCase @case) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict,
        title: title,
        detail: detail,
        extensions: new Dictionary<string, object?> { ["currentRecipient"] = @case.Recipient, ["status"] = Wire.Name(@case.Status) });

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseId} handed over to {RecipientKind}")]
    private static partial void LogHandedOver(ILogger logger, Guid caseId, RecipientKind recipientKind);
}
