using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using RocRouting.Api.Notifications;
using RocRouting.Cases;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Notifications;

/// <summary>A social worker on call gives the number SMS alerts go to.</summary>
public sealed class Giving_a_mobile_number : SharedAppTest
{
    [TestCase("070-123 45 67", "+46701234567")]
    [TestCase("+46 70 123 45 67", "+46701234567")]
    [TestCase("0046701234567", "+46701234567")]
    [TestCase("+4799887766", "+4799887766")]
    [TestCase("12345", null)]
    [TestCase("070-ABC", null)]
    [TestCase("", null)]
    public void Numbers_are_read_the_way_people_write_them(string written, string? stored) =>
        Assert.That(MobileNumberApi.Normalise(written), Is.EqualTo(stored));

    [Test]
    public async Task The_number_is_stored_sealed_and_shown_back_only_by_its_last_digits_and_replaced_not_added()
    {
        var person = $"staff-{Guid.NewGuid():N}";
        using var client = App.Client(TestTokens.SocialjourStaff(person));

        using var first = await client.PutAsJsonAsync("/api/v1/me/mobile-number", new { number = "070-123 45 67" });
        using var second = await client.PutAsJsonAsync("/api/v1/me/mobile-number", new { number = "070-765 43 21" });
        using var read = await client.GetAsync("/api/v1/me/mobile-number");
        var stored = await App.WithDbAsync(db => db.ContactPoints.AsNoTracking().Where(c => c.Person == person).ToListAsync());

        Assert.Multiple(async () =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await CaseRequests.JsonAsync(second)).GetProperty("endsWith").GetString(), Is.EqualTo("321"));
            Assert.That(await read.Content.ReadAsStringAsync(), Is.EqualTo(await second.Content.ReadAsStringAsync()));
            Assert.That(stored, Has.Count.EqualTo(1));
            Assert.That(stored[0].Channel, Is.EqualTo(ContactChannel.Sms));
            Assert.That(stored[0].SealedValue, Does.StartWith("aes256gcm:").And.Not.Contain("7654321"));
        });
    }

    [Test]
    public async Task Something_that_is_not_a_number_is_a_400_naming_it_and_removing_takes_it_away()
    {
        using var client = App.Client(TestTokens.SocialjourStaff($"staff-{Guid.NewGuid():N}"));

        using var bad = await client.PutAsJsonAsync("/api/v1/me/mobile-number", new { number = "ring mig" });
        using var none = await client.DeleteAsync("/api/v1/me/mobile-number");
        using (await client.PutAsJsonAsync("/api/v1/me/mobile-number", new { number = "070-123 45 67" }))
        {
        }
        using var removed = await client.DeleteAsync("/api/v1/me/mobile-number");
        using var after = await client.GetAsync("/api/v1/me/mobile-number");

        Assert.Multiple(async () =>
        {
            Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That((await CaseRequests.JsonAsync(bad)).GetProperty("errors").TryGetProperty("number", out _), Is.True);
            Assert.That(none.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(removed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        });
    }
}
