using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data.Outbox;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>
/// Builds a case as the intake stores it, through <see cref="CaseLifecycle.Submit"/>, for tests that
/// need one in the database without the HTTP round trip. Fictitious through and through.
/// </summary>
public sealed class ACase
{
    private Guid? _id;
    private Urgency _urgency = Urgency.Urgent;
    private string? _home = "0138";
    private string _foundIn = "0180";
    private string _unit = "Testenheten";

    public static ACase Submitted() => new();

    public ACase WithId(Guid id)
    {
        _id = id;
        return this;
    }

    public ACase WithUrgency(Urgency urgency)
    {
        _urgency = urgency;
        return this;
    }

    public ACase From(string? homeMunicipalityCode, string foundIn = "0180")
    {
        _home = homeMunicipalityCode;
        _foundIn = foundIn;
        return this;
    }

    public ACase ReportedBy(string unit)
    {
        _unit = unit;
        return this;
    }

    public ChildCase Build(DateTimeOffset now)
    {
        var id = _id ?? Guid.CreateVersion7(now);
        return new ChildCase
        {
            Id = id,
            Urgency = _urgency,
            Category = CaseCategory.Other,
            HomeMunicipalityCode = _home,
            FoundInMunicipalityCode = _foundIn,
            ReportedByOfficerId = "PA-TEST-0000",
            ReportedByUnit = _unit,
            SubmittedBy = "test-officer",
            SubmittedByUnit = _unit,
            IdempotencyKey = id.ToString(),
            RequestHash = [],
        };
    }

    /// <summary>
    /// Stores the case with its timeline and audit entry but withholds its CaseSubmitted from the outbox,
    /// so the running worker leaves it alone until the test hands the message over itself (or, once it is
    /// older than <c>UnroutedCases:StuckAfter</c>, the worker's sweeper routes it).
    /// </summary>
    public async Task<ChildCase> StoreUnannouncedAsync(RocApp app, DateTimeOffset? at = null)
    {
        var now = at ?? DateTimeOffset.UtcNow;
        var @case = Build(now);
        await app.WithDbAsync(async db =>
        {
            CaseLifecycle.Submit(db, @case, new Actor("test-officer", Roles.PoliceOfficer, _unit), now);
            foreach (var entry in db.ChangeTracker.Entries<OutboxMessage>().ToList())
            {
                entry.State = Microsoft.EntityFrameworkCore.EntityState.Detached;
            }
            return await db.SaveChangesAsync();
        });
        return @case;
    }

}
