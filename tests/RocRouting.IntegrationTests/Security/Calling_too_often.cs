using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Security;

public sealed class Calling_too_often
{
    [Test]
    public async Task Is_answered_with_429_and_retry_after_for_that_client_only()
    {
        var shared = await RocApp.SharedAsync();
        // An API of its own on the run's database and broker, with a limit small enough to reach.
        await using var api = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Development");
            foreach (var (k, v) in RocApp.Settings(shared.ConnectionString).Where(kv => kv.Value is not null))
            {
                web.UseSetting(k, v);
            }
            web.UseSetting("RateLimiting:PermitsPerMinute", "3");
        });
        using var busy = api.CreateClient();
        busy.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.MunicipalityStaff("0138", sub: "busy-client"));
        using var other = api.CreateClient();
        other.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.MunicipalityStaff("0138", sub: "calm-client"));

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 4; i++)
        {
            var response = await busy.GetAsync("/api/v1/queue");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }
        using var calm = await other.GetAsync("/api/v1/queue");
        using var health = await api.CreateClient().GetAsync("/health/live");
        Assert.Multiple(() =>
        {
            Assert.That(statuses, Is.EqualTo(new[] { HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests }));
            Assert.That(limited!.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
            Assert.That(limited.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(calm.StatusCode, Is.EqualTo(HttpStatusCode.OK), "another client is not limited");
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK), "health checks are never limited");
        });
        limited?.Dispose();
    }
}
