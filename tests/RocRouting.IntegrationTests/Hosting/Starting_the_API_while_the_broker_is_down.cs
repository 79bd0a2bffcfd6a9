using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Hosting;

/// <summary>
/// An app of its own whose processes reach the broker through a port the test switches off: the
/// broker "goes down", an API instance starts meanwhile and takes cases (they wait in the outbox),
/// and once the broker is back every case is routed.
/// </summary>
public sealed class Starting_the_API_while_the_broker_is_down
{
    private SwitchableTcpProxy _broker = null!;
    private RocApp _app = null!;
    private WebApplicationFactory<Program>? _lateApi;

    [OneTimeSetUp]
    public async Task StartAppBehindASwitchableBroker()
    {
        var real = new Uri(TestServers.RabbitMqUrl);
        _broker = new SwitchableTcpProxy(real.Port);
        _broker.SwitchOn();
        _app = await RocApp.StartAsync(prefix: "broker-down.", extraSettings: new()
        {
            ["RabbitMq:Url"] = new UriBuilder(real) { Port = _broker.Port }.Uri.ToString(),
        });
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _broker.SwitchOn();
        if (_lateApi is not null)
        {
            await _lateApi.DisposeAsync();
        }
        await _app.DisposeAsync();
        await _broker.DisposeAsync();
    }

    [Test]
    public async Task An_API_starts_and_accepts_cases_and_they_are_routed_once_the_broker_is_back()
    {
        _broker.SwitchOff();

        // Started with no broker to reach: it must not wait for one.
        _lateApi = await Task.Run(() => _app.StartAnotherApi([])).WaitAsync(TimeSpan.FromSeconds(45));
        using var police = new HttpClient { BaseAddress = RocApp.AddressOf(_lateApi) };
        police.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.PoliceOfficer());
        var accepted = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await CaseRequests.PostAsync(police, CaseRequests.Valid(urgency: "immediate"));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
            accepted.Add((await CaseRequests.JsonAsync(response)).GetProperty("caseId").GetGuid());
        }
        var waiting = await _app.WithDbAsync(db => db.OutboxMessages.CountAsync(m => m.DispatchedAt == null));

        _broker.SwitchOn();

        await Eventually.Until(
            () => _app.WithDbAsync(db => db.Cases.CountAsync(c => accepted.Contains(c.Id) && c.Status == CaseStatus.Routed)),
            routed => routed == accepted.Count,
            "every case accepted while the broker was down to be routed",
            TimeSpan.FromSeconds(50));
        Assert.That(waiting, Is.GreaterThanOrEqualTo(accepted.Count), "the accepted cases waited in the outbox");
    }
}
