using System.Diagnostics;
using System.Security.Claims;
using Npgsql;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Data.Privacy;
using RocRouting.Hosting;

namespace RocRouting.Api.Cases;

/// <summary>How an intake ended: the case (new, or the one an earlier request with the key made), or a key reused for other content.</summary>
public abstract record IntakeResult
{
    public sealed record Accepted(Guid CaseId, CaseStatus Status) : IntakeResult;

    public sealed record KeyReused : IntakeResult;
}

/// <summary>
/// Accepting a validated case, for the JSON API and the console's form alike: the case, its timeline
/// event and its CaseSubmitted message are committed together, and the idempotency key (scoped to the
/// submitter) makes a retry return the same case.
/// </summary>
/// <remarks>
/// The request's services, not a DbContext: only a retry reads the case back, and renting a pooled
/// context for every request (and resetting it after) showed in the API's profile.
/// </remarks>
public sealed partial class CaseIntake(
    IServiceProvider services, RowWriter rows, ChildKeys childKeys, PersonalDataProtector protector, RocMetrics metrics, ILogger<CaseIntake> logger)
{
    public static bool IsValidIdempotencyKey(string? key) => key is { Length: > 0 and <= 128 } && key.All(c => c is >= '!' and <= '~');

    public async Task<IntakeResult> SubmitAsync(CaseSubmission submission, ClaimsPrincipal user, string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var subject = user.FindFirstValue(Claims.Subject) ?? "";
        var unit = user.FindFirstValue(Claims.Unit) ?? "";
        var hash = childKeys.ForRequest(submission.Canonical());

        // Insert first: a retry is rare, so the unique key on (submitter, key) finds it (below) instead of
        // a lookup before every new case.
        var @case = NewCase(submission, subject, unit, key, hash, now);
        @case.ChildKey = submission.PersonalIdentityNumber is { } pin ? childKeys.For(pin) : null;
        @case.SealedPersonalIdentityNumber = protector.SealOrNull(submission.PersonalIdentityNumber, @case.Id, PersonalField.IdentityNumber);
        @case.SealedSummary = protector.SealOrNull(submission.Summary, @case.Id, PersonalField.Summary);
        @case.SealedBirthDate = protector.SealOrNull(
            submission.BirthDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), @case.Id, PersonalField.BirthDate);
        // The intake only inserts (case, event, audit entry, outbox message, each referring to the case's
        // own id), so it skips EF Core's change tracking: one prepared batch, one implicit transaction.
        var work = rows.Begin();
        CaseLifecycle.Submit(work, @case, Actor.From(user), now);
        try
        {
            await work.SaveAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // A retry, or a concurrent one that committed first: answer as that request was answered.
            var winner = await services.GetRequiredService<RocDbContext>().FindByIdempotencyKeyAsync(subject, key, cancellationToken)
                ?? throw new InvalidOperationException("Unique violation on the idempotency key but no case holds it.", e);
            return childKeys.IsRequest(winner.RequestHash, submission.Canonical())
                ? new IntakeResult.Accepted(winner.Id, winner.Status)
                : new IntakeResult.KeyReused();
        }

        Activity.Current.TagCase(@case.Id, @case.Urgency, municipalityCode: @case.HomeMunicipalityCode);
        metrics.CasesSubmitted.Add(1, new KeyValuePair<string, object?>("urgency", Wire.Name(@case.Urgency)));
        LogSubmitted(logger, @case.Id, @case.Urgency, @case.Category);
        return new IntakeResult.Accepted(@case.Id, @case.Status);
    }

    private static ChildCase NewCase(CaseSubmission s, string subject, string unit, string key, byte[] hash, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        Urgency = s.Urgency,
        Category = s.Category,
        HomeMunicipalityCode = s.HomeMunicipalityCode,
        FoundInMunicipalityCode = s.FoundInMunicipalityCode,
        ReportedByOfficerId = s.OfficerId,
        ReportedByUnit = s.Unit,
        ReportedByPhone = s.Phone,
        PoliceReference = s.PoliceReference,
        SubmittedBy = subject,
        SubmittedByUnit = unit,
        IdempotencyKey = key,
        RequestHash = hash,
    };

    // Debug, not Information: the case's timeline and audit trail record each submission, and a line
    // per case is a wake-up and a write on every case's path (measured: README, performance).
    [LoggerMessage(Level = LogLevel.Debug, Message = "Case {CaseId} submitted ({Urgency}, {Category})")]
    private static partial void LogSubmitted(ILogger logger, Guid caseId, Urgency urgency, CaseCategory category);
}
