using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using RocRouting.Data.Privacy;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Security;

/// <summary>The encryption at rest on its own (no servers): AES-256-GCM bound to the case and field.</summary>
public sealed class Sealing_personal_data
{
    private const string Number = "191212121212";
    private static readonly Guid CaseId = Guid.Parse("0190f0a0-0000-7000-8000-000000000001");

    private static PersonalDataProtector Protector(string current, params (string Id, string Key)[] keys)
    {
        var options = new PersonalDataOptions { CurrentKeyId = current };
        foreach (var (id, key) in keys)
        {
            options.EncryptionKeys[id] = key;
        }
        return new PersonalDataProtector(Options.Create(options));
    }

    private static readonly PersonalDataProtector First = Protector("test-1", ("test-1", TestKeys.First));

    [Test]
    public void Opens_what_it_sealed_and_hides_the_plaintext()
    {
        var sealedValue = First.Seal(Number, CaseId, PersonalField.IdentityNumber);
        Assert.Multiple(() =>
        {
            Assert.That(sealedValue, Does.StartWith("aes256gcm:test-1:").And.Not.Contain("1212"));
            Assert.That(First.Open(sealedValue, CaseId, PersonalField.IdentityNumber), Is.EqualTo(Number));
        });
    }

    [Test]
    public void Seals_the_same_value_differently_every_time()
    {
        var first = First.Seal(Number, CaseId, PersonalField.IdentityNumber);
        var second = First.Seal(Number, CaseId, PersonalField.IdentityNumber);
        Assert.That(second, Is.Not.EqualTo(first), "a fresh nonce per value, so equal numbers do not show as equal ciphertexts");
    }

    [Test]
    public void Refuses_a_value_copied_into_another_case_or_field()
    {
        var sealedValue = First.Seal(Number, CaseId, PersonalField.IdentityNumber);
        Assert.Multiple(() =>
        {
            Assert.That(() => First.Open(sealedValue, Guid.CreateVersion7(), PersonalField.IdentityNumber), Throws.InstanceOf<CryptographicException>());
            Assert.That(() => First.Open(sealedValue, CaseId, PersonalField.Summary), Throws.InstanceOf<CryptographicException>());
        });
    }

    [Test]
    public void Refuses_a_tampered_or_truncated_value()
    {
        var sealedValue = First.Seal(Number, CaseId, PersonalField.IdentityNumber);
        var blob = Convert.FromBase64String(sealedValue["aes256gcm:test-1:".Length..]);
        blob[^1] ^= 1;
        Assert.Multiple(() =>
        {
            Assert.That(() => First.Open("aes256gcm:test-1:" + Convert.ToBase64String(blob), CaseId, PersonalField.IdentityNumber),
                Throws.InstanceOf<CryptographicException>());
            Assert.That(() => First.Open(sealedValue[..30], CaseId, PersonalField.IdentityNumber), Throws.InstanceOf<CryptographicException>());
            Assert.That(() => First.Open(Number, CaseId, PersonalField.IdentityNumber), Throws.InstanceOf<CryptographicException>());
        });
    }

    [Test]
    public void Opens_values_under_an_old_key_while_it_is_configured_and_reseals_them_under_the_current_one()
    {
        var old = First.Seal(Number, CaseId, PersonalField.Summary);
        var both = Protector("test-2", ("test-1", TestKeys.First), ("test-2", TestKeys.Second));
        var resealed = both.Reseal(old, CaseId, PersonalField.Summary);
        var onlyNew = Protector("test-2", ("test-2", TestKeys.Second));
        Assert.Multiple(() =>
        {
            Assert.That(both.Open(old, CaseId, PersonalField.Summary), Is.EqualTo(Number));
            Assert.That(resealed, Does.StartWith("aes256gcm:test-2:"));
            Assert.That(onlyNew.Open(resealed, CaseId, PersonalField.Summary), Is.EqualTo(Number));
            Assert.That(() => onlyNew.Open(old, CaseId, PersonalField.Summary),
                Throws.InstanceOf<CryptographicException>().With.Message.Contains("'test-1'"));
        });
    }

    [Test]
    public void Takes_a_value_without_the_scheme_for_plaintext_stored_before_encryption()
    {
        Assert.That(First.Open(First.Reseal(Number, CaseId, PersonalField.IdentityNumber), CaseId, PersonalField.IdentityNumber), Is.EqualTo(Number));
    }

    [TestCase("", TestKeys.First, "must name one of")]
    [TestCase("test-9", TestKeys.First, "must name one of")]
    [TestCase("test-1", "c2hvcnQ=", "32 bytes")]
    [TestCase("test-1", "not base64!", "32 bytes")]
    public void Refuses_to_start_with_a_missing_or_malformed_key(string current, string key, string message)
    {
        Assert.That(() => Protector(current, ("test-1", key)), Throws.InvalidOperationException.With.Message.Contains(message));
    }
}
