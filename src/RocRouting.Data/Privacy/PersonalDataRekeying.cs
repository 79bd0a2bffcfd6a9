using Microsoft.EntityFrameworkCore;

namespace RocRouting.Data.Privacy;

/// <summary>
/// Re-encrypts every sealed value that is not under the current key (and seals any value stored
/// before encryption existed). Batches of rows are locked while they are rewritten, so the
/// retention job cannot erase a value that this then writes back. Idempotent and resumable: a
/// second run finds nothing to do.
/// </summary>
public static class PersonalDataRekeying
{
    private sealed record Row(Guid Id, string? SealedPersonalIdentityNumber, string? SealedSummary, string? SealedBirthDate);

    /// <summary>Re-encrypts everything not under the current key (the rotation command): cases, then people's contact points.</summary>
    public static async Task<int> RunAsync(RocDbContext db, PersonalDataProtector protector, int batchSize, CancellationToken cancellationToken) =>
        await RunAsync(db, protector, protector.CurrentPrefix, batchSize, cancellationToken)
        + await ResealFreeTextAsync(db, protector, protector.CurrentPrefix, batchSize, cancellationToken)
        + await ResealContactPointsAsync(db, protector, batchSize, cancellationToken);

    private sealed record ChildKeyRow(Guid Id, string SealedPin, byte[] ChildKey);

    /// <summary>
    /// Rehashes under the current hash key (<see cref="ChildKeys"/>): each case's child key from its
    /// sealed identity number, each contact point's fingerprint from its sealed value. Safe to repeat
    /// and to run beside the service; a second run changes nothing.
    /// </summary>
    public static async Task<int> RehashAsync(RocDbContext db, PersonalDataProtector protector, ChildKeys keys, int batchSize, CancellationToken cancellationToken)
    {
        var total = 0;
        var after = Guid.Empty;
        while (true)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var rows = await db.Database.SqlQuery<ChildKeyRow>($"""
                SELECT id AS "Id", sealed_personal_identity_number AS "SealedPin", child_key AS "ChildKey"
                FROM cases
                WHERE id > {after} AND child_key IS NOT NULL AND sealed_personal_identity_number IS NOT NULL
                ORDER BY id
                LIMIT {batchSize}
                FOR UPDATE
                """).ToListAsync(cancellationToken);
            foreach (var row in rows)
            {
                var current = keys.For(protector.Open(row.SealedPin, row.Id, PersonalField.IdentityNumber));
                if (!current.AsSpan().SequenceEqual(row.ChildKey))
                {
                    await db.Database.ExecuteSqlAsync($"UPDATE cases SET child_key = {current} WHERE id = {row.Id}", cancellationToken);
                    total++;
                }
            }
            await transaction.CommitAsync(cancellationToken);
            if (rows.Count < batchSize)
            {
                break;
            }
            after = rows[^1].Id;
        }
        return total + await RehashContactPointsAsync(db, protector, keys, cancellationToken);
    }

    private static async Task<int> RehashContactPointsAsync(RocDbContext db, PersonalDataProtector protector, ChildKeys keys, CancellationToken cancellationToken)
    {
        // A handful per person: all at once.
        var changed = 0;
        var contacts = await db.ContactPoints.OrderBy(c => c.Id).ToListAsync(cancellationToken);
        foreach (var contact in contacts)
        {
            var value = contact.Channel == Cases.ContactChannel.Sms
                ? protector.Open(contact.SealedValue, contact.Id, PersonalField.MobileNumber)
                : System.Text.Json.JsonSerializer.Deserialize<Cases.SealedPushSubscription>(
                    protector.Open(contact.SealedValue, contact.Id, PersonalField.PushSubscription), PushJson)!.Endpoint;
            var current = keys.ForContact(Contracts.Wire.Name(contact.Channel), value);
            if (current.AsSpan().SequenceEqual(contact.Fingerprint))
            {
                continue;
            }
            // The same browser or number registered again under the new key meanwhile: keep that one.
            if (contacts.Any(c => c != contact && c.Person == contact.Person && c.Channel == contact.Channel && c.Fingerprint.AsSpan().SequenceEqual(current)))
            {
                db.ContactPoints.Remove(contact);
            }
            else
            {
                contact.Fingerprint = current;
            }
            changed++;
        }
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return changed;
    }

    private static readonly System.Text.Json.JsonSerializerOptions PushJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    /// <summary>Whether any value was stored before it was sealed (then the migrate step needs the keys).</summary>
    public static async Task<bool> AnyPlaintextAsync(RocDbContext db, CancellationToken cancellationToken)
    {
        const string scheme = PersonalDataProtector.Scheme;
        return await db.Cases.AnyAsync(
                c => (c.SealedPersonalIdentityNumber != null && !c.SealedPersonalIdentityNumber.StartsWith(scheme))
                    || (c.SealedSummary != null && !c.SealedSummary.StartsWith(scheme))
                    || (c.SealedBirthDate != null && !c.SealedBirthDate.StartsWith(scheme)),
                cancellationToken)
            || await db.Acknowledgements.AnyAsync(a => a.SealedNote != null && !a.SealedNote.StartsWith(scheme), cancellationToken)
            || await db.CaseRoutes.AnyAsync(r => r.SealedHandoverNote != null && !r.SealedHandoverNote.StartsWith(scheme), cancellationToken);
    }

    private sealed record FreeText(long Id, Guid CaseId, string Value);

    /// <summary>The free-text columns: acknowledgement notes and handover reasons, each sealed under its case.</summary>
    private static readonly (string Table, string Column, PersonalField Field)[] FreeTextColumns =
    [
        ("case_acknowledgements", "sealed_note", PersonalField.AcknowledgementNote),
        ("case_routes", "sealed_handover_note", PersonalField.HandoverNote),
    ];

    private static async Task<int> ResealFreeTextAsync(RocDbContext db, PersonalDataProtector protector, string keep, int batchSize, CancellationToken cancellationToken)
    {
        var total = 0;
        foreach (var (table, column, field) in FreeTextColumns)
        {
            var after = 0L;
            while (true)
            {
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                // Table and column names come from the constant list above, never from input.
#pragma warning disable EF1002
                var rows = await db.Database.SqlQueryRaw<FreeText>($$"""
                    SELECT id AS "Id", case_id AS "CaseId", {{column}} AS "Value" FROM {{table}}
                    WHERE id > {0} AND NOT starts_with({{column}}, {1})
                    ORDER BY id LIMIT {2}
                    FOR UPDATE
                    """, after, keep, batchSize).ToListAsync(cancellationToken);
                foreach (var row in rows)
                {
                    await db.Database.ExecuteSqlRawAsync(
                        $"UPDATE {table} SET {column} = {{0}} WHERE id = {{1}}", [protector.Reseal(row.Value, row.CaseId, field), row.Id], cancellationToken);
                }
#pragma warning restore EF1002
                await transaction.CommitAsync(cancellationToken);
                if (rows.Count == 0)
                {
                    break;
                }
                total += rows.Count;
                after = rows[^1].Id;
            }
        }
        return total;
    }

    /// <summary>Push subscriptions and mobile numbers, each sealed under its own id; contact points are sealed from the start.</summary>
    private static async Task<int> ResealContactPointsAsync(RocDbContext db, PersonalDataProtector protector, int batchSize, CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var stale = await db.ContactPoints
                .Where(c => !c.SealedValue.StartsWith(protector.CurrentPrefix))
                .OrderBy(c => c.Id).Take(batchSize).ToListAsync(cancellationToken);
            if (stale.Count == 0)
            {
                return total;
            }
            foreach (var contact in stale)
            {
                var field = contact.Channel == Cases.ContactChannel.Sms ? PersonalField.MobileNumber : PersonalField.PushSubscription;
                contact.SealedValue = protector.Reseal(contact.SealedValue, contact.Id, field);
            }
            // A contact point removed meanwhile is simply not rewritten.
            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
            total += stale.Count;
        }
    }

    /// <summary>Seals only values stored before encryption (the migrate step, which may not hold every old key).</summary>
    public static async Task<int> SealPlaintextAsync(RocDbContext db, PersonalDataProtector protector, int batchSize, CancellationToken cancellationToken) =>
        await RunAsync(db, protector, PersonalDataProtector.Scheme, batchSize, cancellationToken)
        + await ResealFreeTextAsync(db, protector, PersonalDataProtector.Scheme, batchSize, cancellationToken);

    /// <summary>Rewrites every value that does not start with <paramref name="keep"/>.</summary>
    private static async Task<int> RunAsync(RocDbContext db, PersonalDataProtector protector, string keep, int batchSize, CancellationToken cancellationToken)
    {
        var total = 0;
        var after = Guid.Empty;
        while (true)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // Not composed: FOR UPDATE must stay on the statement that reads the rows.
            var rows = await db.Database.SqlQuery<Row>($"""
                SELECT id AS "Id", sealed_personal_identity_number AS "SealedPersonalIdentityNumber", sealed_summary AS "SealedSummary",
                       sealed_birth_date AS "SealedBirthDate"
                FROM cases
                WHERE id > {after}
                  AND (NOT starts_with(sealed_personal_identity_number, {keep}) OR NOT starts_with(sealed_summary, {keep})
                       OR NOT starts_with(sealed_birth_date, {keep}))
                ORDER BY id
                LIMIT {batchSize}
                FOR UPDATE
                """).ToListAsync(cancellationToken);
            if (rows.Count == 0)
            {
                return total;
            }
            foreach (var row in rows)
            {
                var pin = Reseal(row.SealedPersonalIdentityNumber, row.Id, PersonalField.IdentityNumber);
                var summary = Reseal(row.SealedSummary, row.Id, PersonalField.Summary);
                var birthDate = Reseal(row.SealedBirthDate, row.Id, PersonalField.BirthDate);
                await db.Database.ExecuteSqlAsync(
                    $"UPDATE cases SET sealed_personal_identity_number = {pin}, sealed_summary = {summary}, sealed_birth_date = {birthDate} WHERE id = {row.Id}",
                    cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
            total += rows.Count;
            after = rows[^1].Id;
        }

        string? Reseal(string? value, Guid caseId, PersonalField field) =>
            value is null || value.StartsWith(keep, StringComparison.Ordinal) ? value : protector.Reseal(value, caseId, field);
    }
}
