using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RocRouting.Data.Privacy;
using RocRouting.IntegrationTests.Infrastructure;
using RocRouting.Worker;

namespace RocRouting.IntegrationTests.Security;

/// <summary>The rotate-keys command and the migrate step on a database of their own (rotation rewrites every case).</summary>
public sealed class Rotating_the_encryption_key
{
    private RocApp _app = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _app = await RocApp.StartAsync(prefix: "rekey.");

    [OneTimeTearDown]
    public async Task StopAsync() => await _app.DisposeAsync();

    private static PersonalDataProtector Protector(Dictionary<string, string?> settings)
    {
        var options = new PersonalDataOptions { CurrentKeyId = settings["PersonalData:CurrentKeyId"] };
        foreach (var (k, v) in settings.Where(kv => kv.Key.StartsWith("PersonalData:EncryptionKeys:", StringComparison.Ordinal)))
        {
            options.EncryptionKeys[k["PersonalData:EncryptionKeys:".Length..]] = v!;
        }
        return new PersonalDataProtector(Options.Create(options));
    }

    private async Task<(string? Pin, string? Summary)> StoredAsync(Guid caseId)
    {
        var stored = await _app.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == caseId));
        return (stored.SealedPersonalIdentityNumber, stored.SealedSummary);
    }

    /// <summary>Whoever has the case acknowledges it with a note, then hands it over with a reason.</summary>
    private async Task WriteStaffNotesAsync(Guid caseId)
    {
        var recipient = StaffActions.Recipient(await StaffActions.RoutedAsync(_app, caseId));
        var staff = recipient == "home-municipality:0138" ? TestTokens.MunicipalityStaff("0138") : TestTokens.SocialjourStaff();
        using var ack = await StaffActions.AcknowledgeAsync(_app, staff, caseId, "Fictitious note");
        using var handover = await StaffActions.HandOverAsync(_app, staff, caseId, "Fictitious reason");
        Assert.That(ack.IsSuccessStatusCode && handover.IsSuccessStatusCode, Is.True);
    }

    private async Task<(string Note, string Reason)> StoredNotesAsync(Guid caseId) =>
        (await _app.WithDbAsync(db => db.Acknowledgements.Where(a => a.CaseId == caseId).Select(a => a.SealedNote!).SingleAsync()),
         await _app.WithDbAsync(db => db.CaseRoutes.Where(r => r.CaseId == caseId && r.SealedHandoverNote != null).Select(r => r.SealedHandoverNote!).SingleAsync()));

    [Test]
    public async Task Reencrypts_every_value_under_the_new_key_which_alone_then_opens_it()
    {
        var caseId = await StaffActions.SubmitAsync(_app, "0138", "urgent");
        await WriteStaffNotesAsync(caseId);
        var person = $"staff-{Guid.NewGuid():N}";
        using (var staff = _app.Client(TestTokens.SocialjourStaff(person)))
        using (var set = await staff.PutAsJsonAsync("/api/v1/me/mobile-number", new { number = "070-123 45 67" }))
        {
            Assert.That(set.IsSuccessStatusCode, Is.True);
        }
        var rotated = _app.Configuration;
        rotated["PersonalData:CurrentKeyId"] = "test-2";
        rotated["PersonalData:EncryptionKeys:test-2"] = TestKeys.Second;

        var exitCode = await WorkerApp.RotateKeysAsync(RocApp.CommandLine(rotated));

        var (pin, summary) = await StoredAsync(caseId);
        var (note, reason) = await StoredNotesAsync(caseId);
        var mobile = await _app.WithDbAsync(db => db.ContactPoints.AsNoTracking().SingleAsync(c => c.Person == person));
        var onlyNewKey = Protector(new() { ["PersonalData:CurrentKeyId"] = "test-2", ["PersonalData:EncryptionKeys:test-2"] = TestKeys.Second });
        var again = await _app.WithDbAsync(db => PersonalDataRekeying.RunAsync(db, Protector(rotated), 10, CancellationToken.None));
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero);
            Assert.That(pin, Does.StartWith("aes256gcm:test-2:"));
            Assert.That(summary, Does.StartWith("aes256gcm:test-2:"));
            Assert.That(onlyNewKey.Open(pin!, caseId, PersonalField.IdentityNumber), Is.EqualTo("191212121212"));
            Assert.That(onlyNewKey.Open(summary!, caseId, PersonalField.Summary), Does.StartWith("Fictitious test case"));
            Assert.That(onlyNewKey.Open(mobile.SealedValue, mobile.Id, PersonalField.MobileNumber), Is.EqualTo("+46701234567"), "contact points too");
            Assert.That(onlyNewKey.Open(note, caseId, PersonalField.AcknowledgementNote), Is.EqualTo("Fictitious note"), "staff notes too");
            Assert.That(onlyNewKey.Open(reason, caseId, PersonalField.HandoverNote), Is.EqualTo("Fictitious reason"));
            Assert.That(again, Is.Zero, "a second run finds nothing left to re-encrypt");
        });
    }

    [Test]
    public async Task The_migrate_step_seals_values_stored_before_encryption()
    {
        var caseId = await StaffActions.SubmitAsync(_app, "0138", "urgent");
        await WriteStaffNotesAsync(caseId);
        await _app.WithDbAsync(db => db.Database.ExecuteSqlAsync(
            $"UPDATE cases SET sealed_personal_identity_number = '191212121212', sealed_summary = 'Fictitious legacy summary' WHERE id = {caseId}"));
        await _app.WithDbAsync(db => db.Database.ExecuteSqlAsync($"UPDATE case_acknowledgements SET sealed_note = 'Fictitious legacy note' WHERE case_id = {caseId}"));
        await _app.WithDbAsync(db => db.Database.ExecuteSqlAsync(
            $"UPDATE case_routes SET sealed_handover_note = 'Fictitious legacy reason' WHERE case_id = {caseId} AND sealed_handover_note IS NOT NULL"));

        await RocApp.MigrateAsync(_app.Configuration);

        var (pin, summary) = await StoredAsync(caseId);
        var (note, reason) = await StoredNotesAsync(caseId);
        var protector = Protector(_app.Configuration);
        Assert.Multiple(() =>
        {
            Assert.That(pin, Does.StartWith("aes256gcm:"));
            Assert.That(protector.Open(pin!, caseId, PersonalField.IdentityNumber), Is.EqualTo("191212121212"));
            Assert.That(protector.Open(summary!, caseId, PersonalField.Summary), Is.EqualTo("Fictitious legacy summary"));
            Assert.That(protector.Open(note, caseId, PersonalField.AcknowledgementNote), Is.EqualTo("Fictitious legacy note"));
            Assert.That(protector.Open(reason, caseId, PersonalField.HandoverNote), Is.EqualTo("Fictitious legacy reason"));
        });
    }
}
