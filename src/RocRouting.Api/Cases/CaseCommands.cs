using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Data.Privacy;
using RocRouting.Hosting;
using RocRouting.Routing;

namespace RocRouting.Api.Cases;

/// <summary>The outcome of a staff action: the case as loaded (null when it does not exist) and what the lifecycle did.</summary>
public sealed record CaseCommandResult<T>(ChildCase? Case, StaffAction<T>? Action) where T : class
{
    /// <summary>Why the action was refused: NotFound also when the case does not exist.</summary>
    public CaseRefusal? Refusal => Case is null ? CaseRefusal.NotFound : Action?.Refusal;
}

/// <summary>
/// What staff do with a case (take it, hand it over, close it) and how a case is read, for every way
/// in: the JSON API and the console parse their input and render their answer, and call these, so the
/// limits, the locking, the audit entry and the metrics are written once.
/// </summary>
public static class CaseCommands
{
    public const int MaxNoteLength = 1000;
    public const int MaxReasonLength = 300;

    public static bool IsValidNote(string? note) => note is not { Length: > MaxNoteLength };

    public static bool IsValidReason(string? reason) => !string.IsNullOrWhiteSpace(reason) && reason.Length <= MaxReasonLength;

    /// <summary>
    /// "I have it." (<see cref="CaseLifecycle.Acknowledge"/>.) The case row is locked, so an
    /// acknowledgement racing a deadline is decided by whichever commits first.
    /// </summary>
    public static async Task<CaseCommandResult<Acknowledgement>> AcknowledgeAsync(
        RocDbContext db, PersonalDataProtector protector, Guid caseId, CaseReader reader, string? note, RocMetrics metrics, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var sealedNote = string.IsNullOrWhiteSpace(note) ? null : protector.Seal(note, caseId, PersonalField.AcknowledgementNote);
        var result = await ActAsync(db, caseId, @case => CaseLifecycle.Acknowledge(db, @case, reader, sealedNote, now), cancellationToken);
        if (result is { Case: { } @case, Action.Changed: true })
        {
            Activity.Current.TagCase(@case.Id, @case.Urgency, municipalityCode: @case.RecipientMunicipalityCode);
            var route = @case.CurrentRoute;
            metrics.TimeToAcknowledge.Record(
                (now - route.DecidedAt).TotalSeconds,
                new("recipient_kind", Wire.Name(route.RecipientKind)),
                new("urgency", Wire.Name(@case.Urgency)));
        }
        return result;
    }

    /// <summary>
    /// The recipient hands the case on (<see cref="CaseLifecycle.HandOver"/>); the new route gets fresh
    /// deadlines, and the people on duty at the new recipient are planned to be reached in the same
    /// transaction (the worker's sender finds them within its poll interval).
    /// </summary>
    public static async Task<CaseCommandResult<CaseRoute>> HandOverAsync(
        RocDbContext db, PersonalDataProtector protector, Guid caseId, CaseReader reader, string reason, RoutingConfiguration config, WebhookDirectory webhooks,
        NotificationPlanner planner, RocMetrics metrics, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var sealedReason = protector.Seal(reason.Trim(), caseId, PersonalField.HandoverNote);
        var result = await ActAsync(
            db, caseId, @case => CaseLifecycle.HandOver(db, @case, reader, sealedReason, config, webhooks, now), cancellationToken,
            (@case, action) => action is { Changed: true, Result: { } route }
                ? planner.PlanIntoAsync(db, db, @case, route, rosters: null, cancellationToken)
                : Task.CompletedTask);
        if (result is { Case: { } @case, Action: { Changed: true, Result: { } route } })
        {
            Activity.Current.TagCase(@case.Id, @case.Urgency, route.RuleId, route.RecipientMunicipalityCode);
            metrics.RoutingDecisions.Add(1, new("rule", route.RuleId), new("recipient_kind", Wire.Name(route.RecipientKind)));
        }
        return result;
    }

    /// <summary>The recipient closes the case with an outcome (<see cref="CaseLifecycle.Close"/>); closing twice returns the first closure.</summary>
    public static Task<CaseCommandResult<ChildCase>> CloseAsync(
        RocDbContext db, Guid caseId, CaseReader reader, CaseOutcome outcome, DateTimeOffset now, CancellationToken cancellationToken) =>
        ActAsync(db, caseId, @case => CaseLifecycle.Close(db, @case, reader, outcome, now), cancellationToken);

    /// <summary>
    /// A case as this reader may see it, or null when they may not (or it does not exist: the two
    /// answers are the same). Every read, and every refused attempt, is on the audit trail.
    /// </summary>
    public static async Task<CaseView?> ReadAsync(
        RocDbContext db, Guid caseId, CaseReader reader, PersonalDataProtector protector, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var @case = await db.ReadCaseAsync(caseId, cancellationToken);
        var allowed = @case is not null && CaseAccess.CanRead(reader, @case);
        if (@case is not null)
        {
            db.Audit(Actor.For(reader), AuditActions.CaseRead, caseId, now, allowed ? AuditTrail.Ok : AuditTrail.Denied);
            await db.SaveChangesAsync(cancellationToken);
        }
        if (!allowed)
        {
            return null;
        }
        var personal = CaseAccess.SeesPersonalData(reader);
        var view = CaseView.From(@case!, reader, protector);
        if (personal && @case!.ChildKey is { } childKey)
        {
            var earlier = await db.EarlierCases(childKey, @case, reader)
                .Take(20)
                .Select(c => new EarlierCase(c.Id, c.SubmittedAt, c.Status, c.Category))
                .ToListAsync(cancellationToken);
            view = view with { Details = view.Details! with { EarlierCases = earlier } };
        }
        return view;
    }

    /// <summary>
    /// Load, call, save: locks the case (with what the access rules and the transition read), runs the
    /// transition, adds what <paramref name="alsoWrite"/> plans from its outcome, and commits whatever
    /// it wrote, a refused attempt's audit entry included.
    /// </summary>
    private static async Task<CaseCommandResult<T>> ActAsync<T>(
        RocDbContext db, Guid caseId, Func<ChildCase, StaffAction<T>> transition, CancellationToken cancellationToken,
        Func<ChildCase, StaffAction<T>, Task>? alsoWrite = null) where T : class
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var @case = await db.LockCaseForActionAsync(caseId, cancellationToken);
        if (@case is null)
        {
            return new(null, null);
        }
        var action = transition(@case);
        if (alsoWrite is not null)
        {
            await alsoWrite(@case, action);
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new(@case, action);
    }
}
