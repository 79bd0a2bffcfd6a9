using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RocRouting.Data;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Notifications;

/// <summary>
/// The worker keeps the rosters it reads (no roster query per routed case) and forgets them when
/// PostgreSQL says one changed. An app of its own: its socialjour's roster is this class's alone. Each
/// test puts people of its own on duty, so the tests do not depend on each other's order.
/// </summary>
public sealed class Changing_a_roster_the_worker_keeps
{
    private const string Socialjour = "social-emergency-service:stockholm";
    private RocApp _app = null!;

    [OneTimeSetUp]
    public async Task StartApp() => _app = await RocApp.StartAsync(prefix: "rosters.");

    [OneTimeTearDown]
    public async Task Stop() => await _app.DisposeAsync();

    private RosterCache Cache => _app.Worker.Services.GetRequiredService<RosterCache>();

    /// <summary>Puts a new person on the socialjour's duty for the next day; returns the person and the override's address.</summary>
    private Task<(string Person, string Override)> OnDutyAsync() => DutyCovers.NewPersonOnDutyAsync(_app, Socialjour);

    /// <summary>The people a newly submitted case (the socialjour's, whatever the hour) is to reach.</summary>
    private async Task<string[]> PeopleReachedAboutANewCaseAsync()
    {
        using var police = _app.Client(TestTokens.PoliceOfficer());
        using var response = await CaseRequests.PostAsync(police, CaseRequests.Valid(home: null, urgency: "immediate"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var caseId = (await CaseRequests.JsonAsync(response)).GetProperty("caseId").GetGuid();
        await Eventually.Until(() => _app.WithDbAsync(db => db.CaseRoutes.AnyAsync(r => r.CaseId == caseId)), "the case to be routed");
        return await _app.WithDbAsync(db => db.Notifications.Where(n => n.CaseId == caseId).Select(n => n.Person).ToArrayAsync());
    }

    private async Task ListeningAsync() =>
        await Eventually.Until(() => Task.FromResult(Cache.IsListening), "the worker to listen for roster changes");

    [Test]
    public async Task A_person_put_on_duty_is_reached_from_the_next_case_on()
    {
        await ListeningAsync();
        var (first, _) = await OnDutyAsync();
        Assert.That(await PeopleReachedAboutANewCaseAsync(), Does.Contain(first));
        Assert.That(Cache.TryGet(Socialjour, out _), Is.True, "the roster the routing read is kept");

        var (second, _) = await OnDutyAsync();

        Assert.That(await PeopleReachedAboutANewCaseAsync(), Does.Contain(second).And.Contain(first));
    }

    [Test]
    public async Task A_person_taken_off_duty_is_not_reached_from_the_next_case_on()
    {
        await ListeningAsync();
        var (person, cover) = await OnDutyAsync();
        Assert.That(await PeopleReachedAboutANewCaseAsync(), Does.Contain(person));

        using (var operators = _app.Client(TestTokens.Operator()))
        using (var removed = await operators.DeleteAsync(cover))
        {
            Assert.That(removed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), await removed.Content.ReadAsStringAsync());
        }

        Assert.That(await PeopleReachedAboutANewCaseAsync(), Does.Not.Contain(person));
    }

    [Test]
    public async Task A_change_while_the_listener_has_lost_its_connection_is_not_missed()
    {
        await ListeningAsync();
        var (first, _) = await OnDutyAsync();
        Assert.That(await PeopleReachedAboutANewCaseAsync(), Does.Contain(first));
        var sessions = Cache.ListeningSessions;

        await using (var admin = new NpgsqlConnection(TestServers.PostgresAdmin))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1 AND datname = $2", admin)
            {
                Parameters = { new() { Value = RosterChangeListener.ApplicationName }, new() { Value = new NpgsqlConnectionStringBuilder(_app.ConnectionString).Database } },
            };
            Assert.That(await kill.ExecuteScalarAsync(), Is.EqualTo(1L));
        }
        // Told nothing of what follows: it must stop keeping rosters, and start afresh when it listens again.
        await Eventually.Until(() => Task.FromResult(!Cache.IsListening || Cache.ListeningSessions > sessions), "the worker to notice its connection is gone");
        var (second, _) = await OnDutyAsync();

        Assert.That(await PeopleReachedAboutANewCaseAsync(), Does.Contain(second));
        await Eventually.Until(() => Task.FromResult(Cache.ListeningSessions > sessions && Cache.IsListening), "the worker to listen again");
        var (third, _) = await OnDutyAsync();
        Assert.That(await PeopleReachedAboutANewCaseAsync(), Does.Contain(third).And.Contain(second));
    }
}
