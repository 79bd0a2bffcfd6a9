using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using RocRouting.Cases;
using RocRouting.Routing;
using static Microsoft.Playwright.Assertions;

namespace RocRouting.IntegrationTests.Console;

/// <summary>
/// The console's roster page: operators keep every organisation's roster (through the same rules as
/// the roster API), an organisation's staff read their own. Kiruna's roster is this class's own:
/// no other test touches it.
/// </summary>
public sealed class Keeping_the_roster_in_the_console : ConsoleTest
{
    private const string Kiruna = "home-municipality:2584";

    private static string Person() => $"kir-{Guid.NewGuid():N}"[..14];

    private async Task<IPage> OperatorOnKirunasRosterAsync()
    {
        var page = await SignInAsync(Roles.Operator);
        await page.GetByRole(AriaRole.Link, new() { Name = "Jourlistor" }).ClickAsync();
        await page.GetByLabel("Organisation").SelectOptionAsync(Kiruna);
        await page.GetByRole(AriaRole.Button, new() { Name = "Visa jourlistan" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Jourlista för Kiruna" })).ToBeVisibleAsync();
        return page;
    }

    [Test]
    public async Task An_operator_adds_a_weekly_duty_sees_the_person_on_duty_and_removes_it_again()
    {
        var audited = await App.WithDbAsync(db => db.AuditEntries.CountAsync(a => a.Action == AuditActions.RosterChange));
        var page = await OperatorOnKirunasRosterAsync();
        var person = Person();
        var addDuty = page.Locator("#add-duty");

        await addDuty.GetByLabel("Person (inloggnings-id)").FillAsync(person);
        await addDuty.GetByLabel("Roll").SelectOptionAsync(new SelectOptionValue { Label = "Jourhavande" });
        await addDuty.GetByLabel("alla dagar").CheckAsync();
        await addDuty.GetByLabel("Börjar").FillAsync("08:00");
        await addDuty.GetByLabel("Slutar").FillAsync("08:00");
        await addDuty.GetByRole(AriaRole.Button, new() { Name = "Lägg till pass" }).ClickAsync();

        await Expect(page.Locator("p.notice[role=status]")).ToHaveTextAsync("Passet är tillagt.");
        var row = page.Locator("#weekly-duties tbody tr", new() { HasText = person });
        await Expect(row).ToContainTextAsync("Jourhavande");
        await Expect(row).ToContainTextAsync("alla dagar");
        await Expect(row).ToContainTextAsync("08:00–08:00");
        await Expect(page.Locator("#on-duty")).ToContainTextAsync($"{person} – Jourhavande");
        await AssertAccessibleAsync(page);
        var stored = await App.WithDbAsync(db => db.RosterDuties.AsNoTracking().SingleAsync(d => d.Person == person));
        Assert.That(stored.Organisation, Is.EqualTo(Kiruna));

        await row.GetByRole(AriaRole.Button, new() { Name = $"Ta bort passet för {person}" }).ClickAsync();

        await Expect(page.Locator("p.notice[role=status]")).ToHaveTextAsync("Passet är borttaget.");
        await Expect(page.Locator("#weekly-duties tbody tr", new() { HasText = person })).ToHaveCountAsync(0);
        Assert.That(await App.WithDbAsync(db => db.RosterDuties.AnyAsync(d => d.Person == person)), Is.False);
        Assert.That(
            await App.WithDbAsync(db => db.AuditEntries.CountAsync(a => a.Action == AuditActions.RosterChange && a.Role == Roles.Operator)),
            Is.GreaterThanOrEqualTo(audited + 2),
            "the addition and the removal on the audit trail");
    }

    [Test]
    public async Task A_duty_with_nothing_filled_in_is_refused_naming_each_field_and_nothing_is_stored()
    {
        var page = await OperatorOnKirunasRosterAsync();
        var before = await App.WithDbAsync(db => db.RosterDuties.CountAsync(d => d.Organisation == Kiruna));
        var addDuty = page.Locator("#add-duty");
        await addDuty.GetByLabel("Börjar").FillAsync("");

        var response = await page.RunAndWaitForResponseAsync(
            () => addDuty.GetByRole(AriaRole.Button, new() { Name = "Lägg till pass" }).ClickAsync(),
            r => r.Request.Method == "POST");

        Assert.That(response.Status, Is.EqualTo(400));
        var summary = page.Locator(".error-summary");
        await Expect(summary).ToBeFocusedAsync();
        await Expect(summary.GetByRole(AriaRole.Link)).ToHaveTextAsync([
            "Ange personens inloggnings-id (utan mellanslag), inte namnet.", "Välj en roll.", "Välj minst en dag.", "Ange en tid som TT:MM.",
        ]);
        await Expect(addDuty.GetByLabel("Person (inloggnings-id)")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(addDuty.GetByLabel("Roll")).ToHaveAttributeAsync("aria-invalid", "true");
        await AssertAccessibleAsync(page);
        Assert.That(await App.WithDbAsync(db => db.RosterDuties.CountAsync(d => d.Organisation == Kiruna)), Is.EqualTo(before));
    }

    [Test]
    public async Task An_operator_adds_a_cover_in_Stockholm_time_and_a_period_the_wrong_way_round_is_refused()
    {
        var page = await OperatorOnKirunasRosterAsync();
        var person = Person();
        var form = page.Locator("#add-override");
        await form.GetByLabel("Person (inloggnings-id)").FillAsync(person);
        await form.GetByLabel("Roll").SelectOptionAsync(new SelectOptionValue { Label = "Skiftledare" });
        await form.GetByLabel("Från").FillAsync("2026-12-24T08:00");
        await form.GetByLabel("Till").FillAsync("2026-12-24T07:00");
        await form.GetByRole(AriaRole.Button, new() { Name = "Lägg till undantag" }).ClickAsync();
        await Expect(page.Locator("#o-To-error")).ToHaveTextAsync("Till måste vara efter Från och högst 62 dagar senare.");

        await page.Locator("#add-override").GetByLabel("Till").FillAsync("2026-12-25T08:00");
        await page.Locator("#add-override").GetByRole(AriaRole.Button, new() { Name = "Lägg till undantag" }).ClickAsync();

        await Expect(page.Locator("p.notice[role=status]")).ToHaveTextAsync("Undantaget är tillagt.");
        var row = page.Locator("#overrides tbody tr", new() { HasText = person });
        await Expect(row).ToContainTextAsync("Skiftledare");
        await Expect(row).ToContainTextAsync("2026-12-24 08:00");
        await Expect(row).ToContainTextAsync("2026-12-25 08:00");
        var stored = await App.WithDbAsync(db => db.RosterOverrides.AsNoTracking().SingleAsync(o => o.Person == person));
        Assert.Multiple(() =>
        {
            // 08:00 in Stockholm in winter is 07:00 UTC.
            Assert.That(stored.From, Is.EqualTo(new DateTimeOffset(2026, 12, 24, 7, 0, 0, TimeSpan.Zero)));
            Assert.That(stored.To, Is.EqualTo(new DateTimeOffset(2026, 12, 25, 7, 0, 0, TimeSpan.Zero)));
            Assert.That(stored.Replaces, Is.Null);
        });

        await row.GetByRole(AriaRole.Button, new() { Name = $"Ta bort undantaget för {person}" }).ClickAsync();
        await Expect(page.Locator("p.notice[role=status]")).ToHaveTextAsync("Undantaget är borttaget.");
        Assert.That(await App.WithDbAsync(db => db.RosterOverrides.AnyAsync(o => o.Person == person)), Is.False);
    }

    [Test]
    public async Task The_whole_duty_form_works_from_the_keyboard()
    {
        var page = await OperatorOnKirunasRosterAsync();
        var person = Person();
        await page.Locator("#d-Person").FocusAsync();
        await page.Keyboard.TypeAsync(person);
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#d-Role")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#d-Days-monday")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Space");
        // On past the other day choices to the times (a time field's hour and minute are stops of their own).
        await TabToAsync(page, "#d-Starts");
        await page.Keyboard.TypeAsync("1700");
        await TabToAsync(page, "#d-Ends");
        await page.Keyboard.TypeAsync("0800");
        await TabToAsync(page, "#add-duty button[type=submit]");
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.Locator("p.notice[role=status]")).ToHaveTextAsync("Passet är tillagt.");
        var stored = await App.WithDbAsync(db => db.RosterDuties.AsNoTracking().SingleAsync(d => d.Person == person));
        Assert.Multiple(() =>
        {
            Assert.That(stored.Role, Is.EqualTo(DutyRole.FirstResponder));
            Assert.That(stored.Days, Is.EqualTo(new[] { "monday" }));
            Assert.That(stored.Starts, Is.EqualTo(new TimeOnly(17, 0)));
            Assert.That(stored.Ends, Is.EqualTo(new TimeOnly(8, 0)));
        });
    }

    /// <summary>Presses Tab until the element has the focus, as a person with a keyboard does; fails if it is never reached.</summary>
    private static async Task TabToAsync(IPage page, string selector)
    {
        for (var i = 0; i < 30; i++)
        {
            if (await page.Locator(selector).EvaluateAsync<bool>("e => e === document.activeElement"))
            {
                return;
            }
            await page.Keyboard.PressAsync("Tab");
        }
        Assert.Fail($"{selector} is not reached with Tab");
    }

    [Test]
    public async Task Municipality_staff_read_their_own_roster_and_cannot_change_it()
    {
        var person = Person();
        await App.WithDbAsync(async db =>
        {
            db.RosterDuties.Add(new RosterDuty
            {
                Id = Guid.NewGuid(), Organisation = Kiruna, Person = person, Role = DutyRole.ShiftLead, Days = ["monday"],
                Starts = new TimeOnly(8, 0), Ends = new TimeOnly(16, 0),
            });
            return await db.SaveChangesAsync();
        });
        var staff = await SignInAsync(Roles.MunicipalityStaff, municipality: "2584");

        await staff.GetByRole(AriaRole.Link, new() { Name = "Jourlistor" }).ClickAsync();

        await Expect(staff.GetByRole(AriaRole.Heading, new() { Name = "Jourlista för Kiruna" })).ToBeVisibleAsync();
        await Expect(staff.Locator("#weekly-duties tbody tr", new() { HasText = person })).ToContainTextAsync("Skiftledare");
        await Expect(staff.Locator("form[method=post]:not([action])")).ToHaveCountAsync(0);
        await Expect(staff.GetByLabel("Organisation")).ToHaveCountAsync(0);
        await AssertAccessibleAsync(staff);

        // Another organisation's roster is not theirs to choose.
        await staff.GotoAsync("/rosters?organisation=home-municipality:0180");
        await Expect(staff.GetByRole(AriaRole.Heading, new() { Name = "Jourlista för Kiruna" })).ToBeVisibleAsync();
        await App.WithDbAsync(db => db.RosterDuties.Where(d => d.Person == person).ExecuteDeleteAsync());
    }
}
