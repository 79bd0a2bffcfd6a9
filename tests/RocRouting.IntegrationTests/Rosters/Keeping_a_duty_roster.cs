using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Rosters;

/// <summary>
/// An operator keeps a municipality's roster through the API: evenings on weekdays, the weekend,
/// holidays apart, and a swap; the question "who is on duty at T" is answered from what was stored.
/// Each test has a municipality of its own on the shared app.
/// </summary>
public sealed class Keeping_a_duty_roster : SharedAppTest
{
    private static object Weekly(params object[] duties) => new { duties };

    private static object Duty(string person, string role, string[] days, string starts, string ends) => new { person, role, days, starts, ends };

    private static readonly object Rota = Weekly(
        Duty("p-alva", "first-responder", ["weekdays"], "17:00", "08:00"),
        Duty("p-bo", "first-responder", ["saturday", "sunday"], "08:00", "08:00"),
        Duty("p-cajsa", "first-responder", ["holidays"], "08:00", "08:00"),
        Duty("p-dan", "shift-lead", ["weekdays", "weekend", "holidays"], "00:00", "00:00"));

    private static async Task<JsonElement> OnDutyAsync(HttpClient client, string organisation, string at)
    {
        using var response = await client.GetAsync($"/api/v1/rosters/{organisation}/on-duty?at={Uri.EscapeDataString(at)}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return (await CaseRequests.JsonAsync(response)).GetProperty("onDuty");
    }

    private static string[] People(JsonElement onDuty, string role) =>
        [.. onDuty.EnumerateArray().Where(d => d.GetProperty("role").GetString() == role).Select(d => d.GetProperty("person").GetString()!)];

    [Test]
    public async Task An_operator_sets_the_weekly_duties_and_the_roster_answers_who_is_on_duty()
    {
        const string nacka = "home-municipality:0182";
        using var operators = App.Client(TestTokens.Operator());

        using var put = await operators.PutAsJsonAsync($"/api/v1/rosters/{nacka}/weekly", Rota);
        Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.OK), await put.Content.ReadAsStringAsync());

        // Tuesday 24 November 2026 22:00, Saturday 28 November 07:30 and 12:00, juldagen (Friday) 20:00, in Stockholm.
        var tuesdayNight = await OnDutyAsync(operators, nacka, "2026-11-24T22:00:00+01:00");
        var saturdayEarly = await OnDutyAsync(operators, nacka, "2026-11-28T07:30:00+01:00");
        var saturdayNoon = await OnDutyAsync(operators, nacka, "2026-11-28T12:00:00+01:00");
        var christmas = await OnDutyAsync(operators, nacka, "2026-12-25T20:00:00+01:00");
        var tuesdayAfternoon = await OnDutyAsync(operators, nacka, "2026-11-24T15:00:00+01:00");
        Assert.Multiple(() =>
        {
            Assert.That(People(tuesdayNight, "first-responder"), Is.EqualTo(new[] { "p-alva" }));
            Assert.That(People(tuesdayNight, "shift-lead"), Is.EqualTo(new[] { "p-dan" }));
            Assert.That(People(saturdayEarly, "first-responder"), Is.EqualTo(new[] { "p-alva" }), "Friday's night shift");
            Assert.That(People(saturdayNoon, "first-responder"), Is.EqualTo(new[] { "p-bo" }));
            Assert.That(People(christmas, "first-responder"), Is.EqualTo(new[] { "p-cajsa" }));
            Assert.That(People(tuesdayAfternoon, "first-responder"), Is.Empty, "office hours: the office itself");
        });
    }

    [Test]
    public async Task One_duty_is_added_beside_the_others_and_removed_alone()
    {
        const string tyreso = "home-municipality:0138";
        using var operators = App.Client(TestTokens.Operator());
        using (var put = await operators.PutAsJsonAsync($"/api/v1/rosters/{tyreso}/weekly", Weekly(Duty("p-eva", "first-responder", ["weekdays"], "17:00", "08:00"))))
        {
            Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        using var added = await operators.PostAsJsonAsync($"/api/v1/rosters/{tyreso}/weekly/duties", Duty("p-fia", "shift-lead", ["every-day"], "00:00", "00:00"));
        Assert.That(added.StatusCode, Is.EqualTo(HttpStatusCode.OK), await added.Content.ReadAsStringAsync());
        var weekly = (await CaseRequests.JsonAsync(added)).GetProperty("weekly").EnumerateArray().ToList();
        Assert.That(weekly.Select(d => d.GetProperty("person").GetString()), Is.EquivalentTo(new[] { "p-eva", "p-fia" }));
        var eva = weekly.Single(d => d.GetProperty("person").GetString() == "p-eva").GetProperty("id").GetGuid();

        using var removed = await operators.DeleteAsync($"/api/v1/rosters/{tyreso}/weekly/duties/{eva}");
        using var again = await operators.DeleteAsync($"/api/v1/rosters/{tyreso}/weekly/duties/{eva}");
        using var malformed = await operators.DeleteAsync($"/api/v1/rosters/{tyreso}/weekly/duties/not-an-id");
        using var bad = await operators.PostAsJsonAsync($"/api/v1/rosters/{tyreso}/weekly/duties", Duty("p gus", "boss", [], "25:00", "8"));

        using var read = await operators.GetAsync($"/api/v1/rosters/{tyreso}");
        var left = (await CaseRequests.JsonAsync(read)).GetProperty("weekly").EnumerateArray().Select(d => d.GetProperty("person").GetString()).ToList();
        var problem = await bad.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(removed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(malformed.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            foreach (var field in new[] { "person", "role", "days", "starts", "ends" })
            {
                Assert.That(problem, Does.Contain($"\"{field}\""), field);
            }
            Assert.That(left, Is.EqualTo(new[] { "p-fia" }));
        });
    }

    [Test]
    public async Task A_swap_puts_the_cover_on_duty_instead_for_its_hours_and_can_be_taken_back()
    {
        const string lidingo = "home-municipality:0186";
        using var operators = App.Client(TestTokens.Operator());
        using (var put = await operators.PutAsJsonAsync($"/api/v1/rosters/{lidingo}/weekly", Rota))
        {
            Assert.That(put.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        using var added = await operators.PostAsJsonAsync($"/api/v1/rosters/{lidingo}/overrides", new
        {
            person = "p-eva", role = "first-responder", from = "2026-11-24T17:00:00+01:00", to = "2026-11-25T08:00:00+01:00", replaces = "p-alva",
        });
        Assert.That(added.StatusCode, Is.EqualTo(HttpStatusCode.Created), await added.Content.ReadAsStringAsync());
        var swap = await CaseRequests.JsonAsync(added);
        var during = await OnDutyAsync(operators, lidingo, "2026-11-24T23:00:00+01:00");
        var nextEvening = await OnDutyAsync(operators, lidingo, "2026-11-25T18:00:00+01:00");

        using var removed = await operators.DeleteAsync($"/api/v1/rosters/{lidingo}/overrides/{swap.GetProperty("id").GetString()}");
        var afterRemoval = await OnDutyAsync(operators, lidingo, "2026-11-24T23:00:00+01:00");
        using var again = await operators.DeleteAsync($"/api/v1/rosters/{lidingo}/overrides/{swap.GetProperty("id").GetString()}");

        Assert.Multiple(() =>
        {
            Assert.That(swap.GetProperty("from").GetDateTimeOffset(), Is.EqualTo(DateTimeOffset.Parse("2026-11-24T16:00:00Z", System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(People(during, "first-responder"), Is.EqualTo(new[] { "p-eva" }));
            Assert.That(People(nextEvening, "first-responder"), Is.EqualTo(new[] { "p-alva" }));
            Assert.That(removed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(People(afterRemoval, "first-responder"), Is.EqualTo(new[] { "p-alva" }));
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        });
    }

    [Test]
    public async Task The_roster_shows_what_was_stored_and_a_repeat_gets_the_same_bytes_and_every_change_is_audited()
    {
        const string solna = "home-municipality:0184";
        using var operators = App.Client(TestTokens.Operator());

        using var first = await operators.PutAsJsonAsync($"/api/v1/rosters/{solna}/weekly", Rota);
        using var second = await operators.PutAsJsonAsync($"/api/v1/rosters/{solna}/weekly", Rota);
        using var read = await operators.GetAsync($"/api/v1/rosters/{solna}");
        var (a, b, c) = (await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync(), await read.Content.ReadAsStringAsync());
        var roster = await CaseRequests.JsonAsync(read);
        var changes = await App.WithDbAsync(db => db.AuditEntries.CountAsync(e => e.Action == AuditActions.RosterChange && e.Subject == "operator-1"));

        Assert.Multiple(() =>
        {
            Assert.That(b, Is.EqualTo(a));
            Assert.That(c, Is.EqualTo(a));
            Assert.That(roster.GetProperty("weekly").GetArrayLength(), Is.EqualTo(4));
            Assert.That(roster.GetProperty("timeZone").GetString(), Is.EqualTo("Europe/Stockholm"));
            var lead = roster.GetProperty("weekly").EnumerateArray().Single(d => d.GetProperty("role").GetString() == "shift-lead");
            Assert.That(lead.GetProperty("days").EnumerateArray().Select(d => d.GetString()),
                Is.EqualTo(new[] { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "holidays" }));
            Assert.That(changes, Is.GreaterThanOrEqualTo(2));
        });
    }

    [Test]
    public async Task Staff_read_their_own_organisations_roster_only_and_only_operators_edit()
    {
        const string sundbyberg = "home-municipality:0183";
        using var own = App.Client(TestTokens.MunicipalityStaff("0183"));
        using var other = App.Client(TestTokens.MunicipalityStaff("0180"));
        using var police = App.Client(TestTokens.PoliceOfficer());

        using var ownRead = await own.GetAsync($"/api/v1/rosters/{sundbyberg}");
        using var otherRead = await other.GetAsync($"/api/v1/rosters/{sundbyberg}");
        using var policeRead = await police.GetAsync($"/api/v1/rosters/{sundbyberg}");
        using var ownEdit = await own.PutAsJsonAsync($"/api/v1/rosters/{sundbyberg}/weekly", Rota);

        Assert.Multiple(() =>
        {
            Assert.That(ownRead.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(otherRead.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(policeRead.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(ownEdit.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        });
    }

    [TestCase("/api/v1/rosters/home-municipality:9999", "organisation")]
    [TestCase("/api/v1/rosters/nobody", "organisation")]
    [TestCase("/api/v1/rosters/operators/on-duty?at=yesterday", "at")]
    [TestCase("/api/v1/rosters/operators/on-duty?at=9999-12-31T23:59:59Z", "at")]
    [TestCase("/api/v1/rosters/operators/on-duty?at=0001-01-01T00:00:00Z", "at")]
    public async Task A_bad_organisation_or_instant_is_a_400_naming_it(string path, string field)
    {
        using var operators = App.Client(TestTokens.Operator());

        using var response = await operators.GetAsync(path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await CaseRequests.JsonAsync(response)).GetProperty("errors").TryGetProperty(field, out _), Is.True);
    }

    [Test]
    public async Task Bad_duties_and_overrides_are_400s_naming_the_field_and_nothing_is_stored()
    {
        const string vaxholm = "home-municipality:0187";
        using var operators = App.Client(TestTokens.Operator());

        using var days = await operators.PutAsJsonAsync($"/api/v1/rosters/{vaxholm}/weekly", Weekly(Duty("p-a", "first-responder", ["fredag"], "17:00", "08:00")));
        using var time = await operators.PutAsJsonAsync($"/api/v1/rosters/{vaxholm}/weekly", Weekly(Duty("p-a", "first-responder", ["friday"], "25:00", "08:00")));
        using var name = await operators.PutAsJsonAsync($"/api/v1/rosters/{vaxholm}/weekly", Weekly(Duty("Anna Andersson", "chief", ["friday"], "17:00", "08:00")));
        using var backwards = await operators.PostAsJsonAsync($"/api/v1/rosters/{vaxholm}/overrides", new
        {
            person = "p-eva", role = "first-responder", from = "2026-11-25T08:00:00+01:00", to = "2026-11-24T17:00:00+01:00",
        });
        using var badId = await operators.DeleteAsync($"/api/v1/rosters/{vaxholm}/overrides/not-an-id");
        var stored = await App.WithDbAsync(db => db.RosterDuties.CountAsync(d => d.Organisation == vaxholm));

        Assert.Multiple(async () =>
        {
            Assert.That((await CaseRequests.JsonAsync(days)).GetProperty("errors").TryGetProperty("duties[0].days", out _), Is.True);
            Assert.That((await CaseRequests.JsonAsync(time)).GetProperty("errors").TryGetProperty("duties[0].starts", out _), Is.True);
            var errors = (await CaseRequests.JsonAsync(name)).GetProperty("errors");
            Assert.That(errors.TryGetProperty("duties[0].person", out _) && errors.TryGetProperty("duties[0].role", out _), Is.True);
            Assert.That((await CaseRequests.JsonAsync(backwards)).GetProperty("errors").TryGetProperty("to", out _), Is.True);
            Assert.That(badId.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(stored, Is.Zero);
        });
    }
}
