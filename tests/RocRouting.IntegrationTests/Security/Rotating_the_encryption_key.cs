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

    private static ChildKeys HashKeys(string current, params string[] previous) =>
        new(Options.Create(new PersonalDataOptions { HashKey = current, PreviousHashKeys = [.. previous] }));

    [Test]
    public async Task Rotating_the_hash_key_rehashes_child_keys_and_contact_fingerprints_from_the_sealed_values()
    {
        var caseId = await StaffActions.SubmitAsync(_app, "0138", "urgent");
        var person = $"staff-{Guid.NewGuid():N}";
        using (var staff = _app.Client(TestTokens.SocialjourStaff(person)))
        using (var set = await staff.PutAsJsonAsync("/api/v1/me/mobile-number", new { number = "070-765 43 21" }))
        {
            Assert.That(set.IsSuccessStatusCode, Is.True);
        }
        var oldKey = _app.Configuration["PersonalData:HashKey"]!;
        var newKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var rotated = _app.Configuration;
        rotated["PersonalData:HashKey"] = newKey;
        rotated["PersonalData:PreviousHashKeys:0"] = oldKey;
        // Another test of this fixture may have rotated the encryption key already.
        rotated["PersonalData:EncryptionKeys:test-2"] = TestKeys.Second;

        var exitCode = await WorkerApp.RotateKeysAsync(RocApp.CommandLine(rotated));

        var stored = await _app.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == caseId));
        var mobile = await _app.WithDbAsync(db => db.ContactPoints.AsNoTracking().SingleAsync(c => c.Person == person));
        var onlyNew = HashKeys(newKey);
        var again = await _app.WithDbAsync(db => PersonalDataRekeying.RehashAsync(db, Protector(rotated), HashKeys(newKey, oldKey), 10, CancellationToken.None));
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero);
            Assert.That(stored.ChildKey, Is.EqualTo(onlyNew.For("191212121212")));
            Assert.That(mobile.Fingerprint, Is.EqualTo(onlyNew.ForContact("sms", "+46707654321")));
            Assert.That(again, Is.Zero, "a second run finds nothing left to rehash");
        });
    }

    [Test]
    public void A_link_or_request_fingerprint_made_before_a_hash_key_rotation_is_accepted_until_the_previous_key_is_removed()
    {
        var oldKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var newKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var before = HashKeys(oldKey);
        var now = DateTimeOffset.UtcNow;
        var link = new AcknowledgementLinks(before).Create(Guid.NewGuid(), now.AddHours(1));
        var request = "{\"urgency\":\"urgent\"}"u8.ToArray();
        var fingerprint = before.ForRequest(request);

        var during = HashKeys(newKey, oldKey);
        var after = HashKeys(newKey);

        Assert.Multiple(() =>
        {
            Assert.That(new AcknowledgementLinks(during).TryRead(link, now, out _, out _), Is.True);
            Assert.That(during.IsRequest(fingerprint, request), Is.True);
            Assert.That(new AcknowledgementLinks(after).TryRead(link, now, out _, out _), Is.False);
            Assert.That(after.IsRequest(fingerprint, request), Is.False);
            Assert.That(new AcknowledgementLinks(during).TryReadReceipt(link, now, out _, out _), Is.False, "a link is still not a receipt");
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
