using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Notifications;

/// <summary>A social worker's browser registers its push subscription, as the console does with the browser's PushSubscription JSON.</summary>
public sealed class Registering_a_browser_for_push_notifications : SharedAppTest
{
    /// <summary>A fresh subscription as a browser makes one: a P-256 key pair and a 16-byte secret.</summary>
    internal static object Subscription(string endpoint)
    {
        using var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var p = key.ExportParameters(false).Q;
        var p256dh = Base64Url([0x04, .. p.X!, .. p.Y!]);
        return new { endpoint, expirationTime = (double?)null, keys = new { p256dh, auth = Base64Url(RandomNumberGenerator.GetBytes(16)) } };
    }

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    private static string Endpoint() => $"http://127.0.0.1:9/push/{Guid.NewGuid():N}";

    [Test]
    public async Task The_subscription_is_stored_sealed_once_however_often_the_browser_registers_it()
    {
        var person = $"staff-{Guid.NewGuid():N}";
        using var client = App.Client(TestTokens.SocialjourStaff(person));
        var endpoint = Endpoint();
        var subscription = Subscription(endpoint);

        using var first = await client.PostAsJsonAsync("/api/v1/me/push-subscriptions", subscription);
        using var again = await client.PostAsJsonAsync("/api/v1/me/push-subscriptions", subscription);
        using var list = await client.GetAsync("/api/v1/me/push-subscriptions");
        var stored = await App.WithDbAsync(db => db.ContactPoints.AsNoTracking().Where(c => c.Person == person).ToListAsync());

        Assert.Multiple(async () =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created), await first.Content.ReadAsStringAsync());
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await again.Content.ReadAsStringAsync(), Is.EqualTo(await first.Content.ReadAsStringAsync()));
            Assert.That((await CaseRequests.JsonAsync(list)).GetArrayLength(), Is.EqualTo(1));
            Assert.That(stored, Has.Count.EqualTo(1));
            Assert.That(stored[0].Channel, Is.EqualTo(ContactChannel.Push));
            Assert.That(stored[0].Service, Is.EqualTo("127.0.0.1"));
            Assert.That(stored[0].SealedValue, Does.StartWith("aes256gcm:").And.Not.Contain(endpoint));
        });
    }

    [Test]
    public async Task Removing_it_takes_it_away_and_other_peoples_subscriptions_are_not_theirs_to_remove()
    {
        var person = $"staff-{Guid.NewGuid():N}";
        using var owner = App.Client(TestTokens.SocialjourStaff(person));
        using var someoneElse = App.Client(TestTokens.SocialjourStaff($"staff-{Guid.NewGuid():N}"));
        var endpoint = Endpoint();
        using (var registered = await owner.PostAsJsonAsync("/api/v1/me/push-subscriptions", Subscription(endpoint)))
        {
            Assert.That(registered.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }

        using var byOther = await someoneElse.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/v1/me/push-subscriptions") { Content = JsonContent.Create(new { endpoint }) });
        using var byOwner = await owner.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/v1/me/push-subscriptions") { Content = JsonContent.Create(new { endpoint }) });
        var left = await App.WithDbAsync(db => db.ContactPoints.CountAsync(c => c.Person == person));

        Assert.Multiple(() =>
        {
            Assert.That(byOther.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(byOwner.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(left, Is.Zero);
        });
    }

    [TestCase("https://push.attacker.example/abc", "endpoint")]
    [TestCase("http://10.0.0.7/push/abc", "endpoint")]
    [TestCase("ftp://127.0.0.1/push", "endpoint")]
    [TestCase("not a url", "endpoint")]
    public async Task An_endpoint_outside_the_allowed_push_services_is_refused(string endpoint, string field)
    {
        using var client = App.Client(TestTokens.SocialjourStaff());

        using var response = await client.PostAsJsonAsync("/api/v1/me/push-subscriptions", Subscription(endpoint));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await CaseRequests.JsonAsync(response)).GetProperty("errors").TryGetProperty(field, out _), Is.True);
    }

    [Test]
    public async Task Keys_that_are_not_a_browsers_are_refused_naming_them()
    {
        using var client = App.Client(TestTokens.SocialjourStaff());

        using var response = await client.PostAsJsonAsync("/api/v1/me/push-subscriptions", new
        {
            endpoint = Endpoint(), keys = new { p256dh = "AAAA", auth = "not base64url!" },
        });

        var errors = (await CaseRequests.JsonAsync(response)).GetProperty("errors");
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(errors.TryGetProperty("keys.p256dh", out _), Is.True);
            Assert.That(errors.TryGetProperty("keys.auth", out _), Is.True);
        });
    }

    [Test]
    public async Task The_console_gets_the_services_public_VAPID_key()
    {
        using var client = App.Client(TestTokens.SocialjourStaff());

        using var response = await client.GetAsync("/api/v1/me/push-subscriptions/vapid-public-key");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await CaseRequests.JsonAsync(response)).GetProperty("publicKey").GetString(), Does.StartWith("B"));
    }
}
