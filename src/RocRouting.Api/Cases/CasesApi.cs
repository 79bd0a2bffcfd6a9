using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using RocRouting.Api.Infrastructure;
using RocRouting.Cases;
using RocRouting.Data;
using RocRouting.Data.Privacy;
using RocRouting.Hosting;
using RocRouting.Routing;

namespace RocRouting.Api.Cases;

public sealed record CaseAccepted(Guid CaseId, CaseStatus Status, string StatusUrl);

public static class CasesApi
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
        CaseIntake intake,
        RoutingConfiguration routing,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var key = http.Request.Headers[IdempotencyKeyHeader].ToString();
        if (!CaseIntake.IsValidIdempotencyKey(key))
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
        var (submission, errors) = CaseSubmission.Validate(request, routing.Register, routing.DefaultCalendar.LocalDate(now));
        if (submission is null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return await intake.SubmitAsync(submission, http.User, key, now, cancellationToken) switch
        {
            IntakeResult.Accepted(var id, var status) => Accepted(id, status),
            _ => JsonBody.Problem(
                StatusCodes.Status409Conflict,
                "Idempotency-Key already used for a different case",
                "This key was used for a case with different content. Use a new key for a new case; repeat the original body to retry."),
        };
    }

    internal static async Task<Results<Ok<CaseView>, NotFound<ProblemDetails>>> GetAsync(
        Guid caseId, ClaimsPrincipal user, RocDbContext db, RoutingConfiguration config, PersonalDataProtector protector, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var view = await CaseCommands.ReadAsync(db, caseId, CaseReader.From(user, config), protector, time.GetUtcNow(), cancellationToken);
        // Someone without a role in the case learns nothing, not even that it exists.
        return view is null
            ? TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "Case not found" })
            : TypedResults.Ok(view);
    }

    private static Accepted<CaseAccepted> Accepted(Guid id, CaseStatus status)
    {
        var url = $"/api/v1/cases/{id}";
        return TypedResults.Accepted(url, new CaseAccepted(id, status, url));
    }
}
