using System.Data;
using System.Diagnostics;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using RocRouting.Api.Infrastructure;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Data.Privacy;
using RocRouting.Hosting;
using RocRouting.Routing;

namespace RocRouting.Api.Cases;

public sealed record CaseAccepted(Guid CaseId, CaseStatus Status, string StatusUrl);

public static partial class CasesApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static IEndpointRouteBuilder MapCasesApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/cases").WithTags("Cases");
        group.MapPost("/", SubmitAsync)
            .RequireAuthorization(Policies.PoliceOfficer)
            .Accepts<CaseSubmissionRequest>("application/json")
            .Produces<CaseAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithName("SubmitCase");
        group.MapGet("/{caseId:guid}", GetAsync)
            .RequireAuthorization(Policies.AnyUser)
            .WithName("GetCase");
        return routes;
    }

    /// <summary>
    /// Accepts a case: 202 only once the case, its timeline event and its CaseSubmitted message are
    /// committed together. The Idempotency-Key (scoped to the caller) makes a retry return the
    /// same case; the same key with a different request is a 409.
    /// </summary>
    internal static async Task<IResult> SubmitAsync(
        HttpContext http,
        RocDbContext db,
        RoutingConfiguration routing,
        ChildKeys childKeys,
        PersonalDataProtector protector,
        TimeProvider time,
        RocMetrics metrics,
        ILogger<CaseAccepted> logger,
        CancellationToken cancellationToken)
    {
        var key = http.Request.Headers[IdempotencyKeyHeader].ToString();
        if (key.Length is 0 or > 128 || key.Any(c => c is < '!' or > '~'))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [IdempotencyKeyHeader] = ["header is required: 1-128 visible ASCII characters, the same on every retry (a UUID is a good choice)"],
            });
        }

        var (request, problem) = await JsonBody.ReadAsync<CaseSubmissionRequest>(http.Request, CaseSubmission.MaxBodyBytes, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        var now = time.GetUtcNow();
        var today = routing.DefaultCalendar.LocalDate(now);
        var (submission, errors) = CaseSubmission.Validate(request, routing.Register, today);
        if (submission is null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var subject = http.User.FindFirstValue(Claims.Subject) ?? "";
        var unit = http.User.FindFirstValue(Claims.Unit) ?? "";
        var hash = childKeys.ForRequest(submission.Canonical());

        // Insert first: a retry is rare, so the unique key on (submitter, key) finds it (below) instead of
        // a lookup before every new case.
        var @case = NewCase(submission, subject, unit, key, hash, now);
        @case.ChildKey = submission.PersonalIdentityNumber is { } pin ? childKeys.For(pin) : null;
        @case.SealedPersonalIdentityNumber = protector.SealOrNull(submission.PersonalIdentityNumber, @case.Id, PersonalField.IdentityNumber);
        @case.SealedSummary = protector.SealOrNull(submission.Summary, @case.Id, PersonalField.Summary);
        CaseLifecycle.Submit(db, @case, Actor.From(http.User), now);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // A retry, or a concurrent one that committed first: answer as that request was answered.
            db.ChangeTracker.Clear();
            var winner = await db.FindByIdempotencyKeyAsync(subject, key, cancellationToken)
                ?? throw new InvalidOperationException("Unique violation on the idempotency key but no case holds it.", e);
            return Replay(winner, hash);
        }

        Activity.Current.TagCase(@case.Id, @case.Urgency, municipalityCode: @case.HomeMunicipalityCode);
        metrics.CasesSubmitted.Add(1, new KeyValuePair<string, object?>("urgency", Wire.Name(@case.Urgency)));
        LogSubmitted(logger, @case.Id, @case.Urgency, @case.Category);
        return Accepted(@case.Id, @case.Status);
    }

    internal static async Task<Results<Ok<CaseView>, NotFound<ProblemDetails>>> GetAsync(
        Guid caseId, ClaimsPrincipal user, RocDbContext db, RoutingConfiguration config, PersonalDataProtector protector, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var reader = CaseReader.From(user, config);
        var @case = await db.ReadCaseAsync(caseId, cancellationToken);
        var allowed = @case is not null && CaseAccess.CanRead(reader, @case);
        if (@case is not null)
        {
            // Every read of a case, and every refused attempt, is on the audit trail.
            db.Audit(Actor.From(user), "case.read", caseId, time.GetUtcNow(), allowed ? AuditTrail.Ok : AuditTrail.Denied);
            await db.SaveChangesAsync(cancellationToken);
        }
        if (!allowed)
        {
            // Someone without a role in the case learns nothing, not even that it exists.
            return TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "Case not found" });
        }
        var personal = CaseAccess.SeesPersonalData(reader);
        var view = CaseView.From(@case!, CaseAccess.SeesStaffIdentity(reader), personal ? protector : null);
        if (personal && @case!.ChildKey is { } childKey)
        {
            // Only the earlier cases this reader may open: listing others would tell one organisation of another's cases.
            var earlier = await db.Cases.AsNoTracking()
                .Where(c => c.ChildKey == childKey && c.Id != caseId && c.SubmittedAt < @case.SubmittedAt)
                .Where(CaseAccess.ReadableBy(reader))
                .OrderByDescending(c => c.SubmittedAt)
                .Take(20)
                .Select(c => new EarlierCase(c.Id, c.SubmittedAt, c.Status, c.Category))
                .ToListAsync(cancellationToken);
            view = view with { Details = view.Details! with { EarlierCases = earlier } };
        }
        return TypedResults.Ok(view);
    }

    private static ChildCase NewCase(CaseSubmission s, string subject, string unit, string key, byte[] hash, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        Urgency = s.Urgency,
        Category = s.Category,
        HomeMunicipalityCode = s.HomeMunicipalityCode,
        FoundInMunicipalityCode = s.FoundInMunicipalityCode,
        BirthDate = s.BirthDate,
        ReportedByOfficerId = s.OfficerId,
        ReportedByUnit = s.Unit,
        ReportedByPhone = s.Phone,
        PoliceReference = s.PoliceReference,
        SubmittedBy = subject,
        SubmittedByUnit = unit,
        IdempotencyKey = key,
        RequestHash = hash,
    };

    private static IResult Replay(ChildCase existing, byte[] hash) =>
        existing.RequestHash.AsSpan().SequenceEqual(hash)
            ? Accepted(existing.Id, existing.Status)
            : JsonBody.Problem(
                StatusCodes.Status409Conflict,
                "Idempotency-Key already used for a different case",
                "This key was used for a case with different content. Use a new key for a new case; repeat the original body to retry.");

    private static Accepted<CaseAccepted> Accepted(Guid id, CaseStatus status)
    {
        var url = $"/api/v1/cases/{id}";
        return TypedResults.Accepted(url, new CaseAccepted(id, status, url));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {CaseId} submitted ({Urgency}, {Category})")]
    private static partial void LogSubmitted(ILogger logger, Guid caseId, Urgency urgency, CaseCategory category);
}
