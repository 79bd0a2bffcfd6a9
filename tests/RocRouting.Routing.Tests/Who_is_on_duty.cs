using FsCheck;
using FsCheck.Fluent;

namespace RocRouting.Routing.Tests;

/// <summary>A social emergency service's roster: evenings and nights on weekdays, the whole weekend, holidays apart.</summary>
public sealed class Who_is_on_duty
{
    private static readonly TimeZoneInfo Stockholm = TimeZoneInfo.FindSystemTimeZoneById("Europe/Stockholm");

    private static readonly WeeklyDuty Evenings = new("p-alva", DutyRole.FirstResponder, DutyDays.Weekdays, new(17, 0), new(8, 0));
    private static readonly WeeklyDuty Weekends = new("p-bo", DutyRole.FirstResponder, DutyDays.Weekend, new(8, 0), new(8, 0));
    private static readonly WeeklyDuty Holidays = new("p-cajsa", DutyRole.FirstResponder, DutyDays.Holidays, new(8, 0), new(8, 0));
    private static readonly WeeklyDuty Lead = new("p-dan", DutyRole.ShiftLead, DutyDays.EveryDay, new(0, 0), new(0, 0));

    private static DutyRoster Roster(params DutyOverride[] overrides) => new([Evenings, Weekends, Holidays, Lead], overrides, Stockholm);

    /// <summary>Stockholm wall time as an instant.</summary>
    private static DateTimeOffset At(int year, int month, int day, int hour, int minute = 0)
    {
        var local = new DateTime(year, month, day, hour, minute, 0);
        return new DateTimeOffset(local, Stockholm.GetUtcOffset(local));
    }

    private static string[] FirstResponders(DutyRoster roster, DateTimeOffset at) =>
        [.. roster.At(at).Where(d => d.Role == DutyRole.FirstResponder).Select(d => d.Person)];

    [Test]
    public void A_weekday_evening_duty_runs_into_the_next_morning()
    {
        Assert.Multiple(() =>
        {
            Assert.That(FirstResponders(Roster(), At(2026, 11, 24, 16, 59)), Is.Empty, "Tuesday afternoon: the office has it");
            Assert.That(FirstResponders(Roster(), At(2026, 11, 24, 17, 0)), Is.EqualTo(new[] { "p-alva" }));
            Assert.That(FirstResponders(Roster(), At(2026, 11, 25, 7, 59)), Is.EqualTo(new[] { "p-alva" }), "Wednesday morning, from Tuesday's shift");
            Assert.That(FirstResponders(Roster(), At(2026, 11, 25, 8, 0)), Is.Empty);
        });
    }

    [Test]
    public void Fridays_night_shift_hands_over_to_the_weekend_at_eight()
    {
        Assert.Multiple(() =>
        {
            Assert.That(FirstResponders(Roster(), At(2026, 11, 28, 7, 30)), Is.EqualTo(new[] { "p-alva" }), "Saturday 07:30: Friday's shift");
            Assert.That(FirstResponders(Roster(), At(2026, 11, 28, 8, 0)), Is.EqualTo(new[] { "p-bo" }));
            Assert.That(FirstResponders(Roster(), At(2026, 11, 30, 7, 59)), Is.EqualTo(new[] { "p-bo" }), "Monday morning, from Sunday's 24 hours");
        });
    }

    [Test]
    public void On_a_holiday_only_holiday_duties_apply_whatever_the_weekday()
    {
        // Juldagen 2026 is a Friday; julafton, Thursday, is a holiday eve.
        Assert.Multiple(() =>
        {
            Assert.That(FirstResponders(Roster(), At(2026, 12, 25, 20, 0)), Is.EqualTo(new[] { "p-cajsa" }));
            Assert.That(FirstResponders(Roster(), At(2026, 12, 24, 10, 0)), Is.EqualTo(new[] { "p-cajsa" }));
            // Midsommarafton 2026 is Friday 19 June: the evening duty of a Friday does not apply.
            Assert.That(FirstResponders(Roster(), At(2026, 6, 19, 18, 0)), Is.EqualTo(new[] { "p-cajsa" }));
        });
    }

    [Test]
    public void The_shift_lead_is_listed_first()
    {
        var on = Roster().At(At(2026, 11, 24, 22, 0));

        Assert.That(on, Is.EqualTo(new[] { new OnDuty("p-dan", DutyRole.ShiftLead), new OnDuty("p-alva", DutyRole.FirstResponder) }));
    }

    [Test]
    public void A_swap_puts_the_cover_on_duty_instead_and_only_for_its_hours()
    {
        var swap = new DutyOverride("p-eva", DutyRole.FirstResponder, At(2026, 11, 24, 17, 0), At(2026, 11, 25, 8, 0), Replaces: "p-alva");

        Assert.Multiple(() =>
        {
            Assert.That(FirstResponders(Roster(swap), At(2026, 11, 24, 23, 0)), Is.EqualTo(new[] { "p-eva" }));
            Assert.That(FirstResponders(Roster(swap), At(2026, 11, 25, 17, 0)), Is.EqualTo(new[] { "p-alva" }), "the next evening is Alva's again");
        });
    }

    [Test]
    public void A_cover_comes_beside_the_rota()
    {
        var cover = new DutyOverride("p-eva", DutyRole.FirstResponder, At(2026, 11, 24, 17, 0), At(2026, 11, 24, 21, 0));

        Assert.That(FirstResponders(Roster(cover), At(2026, 11, 24, 18, 0)), Is.EqualTo(new[] { "p-alva", "p-eva" }));
    }

    [Test]
    public void Two_people_swapping_both_ways_are_both_on_duty_in_each_others_place()
    {
        var a = new DutyOverride("p-bo", DutyRole.FirstResponder, At(2026, 11, 24, 17, 0), At(2026, 11, 25, 8, 0), Replaces: "p-alva");
        var b = new DutyOverride("p-alva", DutyRole.FirstResponder, At(2026, 11, 24, 17, 0), At(2026, 11, 25, 8, 0), Replaces: "p-bo");

        Assert.That(FirstResponders(Roster(a, b), At(2026, 11, 24, 20, 0)), Is.EqualTo(new[] { "p-alva", "p-bo" }));
    }

    [Test]
    public void Wall_times_hold_across_the_changes_to_and_from_summer_time()
    {
        Assert.Multiple(() =>
        {
            // 29 March 2026 (a Sunday) the clocks go from 02:00 to 03:00; 25 October back from 03:00 to 02:00.
            Assert.That(FirstResponders(Roster(), At(2026, 3, 30, 7, 59)), Is.EqualTo(new[] { "p-bo" }));
            Assert.That(FirstResponders(Roster(), At(2026, 3, 30, 8, 0)), Is.Empty);
            Assert.That(FirstResponders(Roster(), At(2026, 10, 26, 7, 59)), Is.EqualTo(new[] { "p-bo" }));
            Assert.That(FirstResponders(Roster(), At(2026, 10, 26, 8, 0)), Is.Empty);
        });
    }

    private static readonly DateTimeOffset Epoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Arbitrary<DateTimeOffset> Instants() =>
        Gen.Choose(0, 60 * 24 * 366 * 4).Select(m => Epoch.AddMinutes(m)).ToArbitrary();

    [FsCheck.NUnit.Property(MaxTest = 3000)]
    public Property A_duty_on_every_day_around_the_clock_is_always_on() => Prop.ForAll(Instants(), at =>
        new DutyRoster([Lead], [], Stockholm).At(at).Contains(new OnDuty("p-dan", DutyRole.ShiftLead)));

    [FsCheck.NUnit.Property(MaxTest = 3000)]
    public Property Weekdays_weekends_and_holidays_together_cover_every_instant_once() => Prop.ForAll(Instants(), at =>
    {
        // Office hours 08-17 on weekdays beside the evening, weekend and holiday duties, every shift changing at
        // eight: exactly one first responder at any time, across holidays, weekends and the changes of summer time.
        var office = new WeeklyDuty("p-office", DutyRole.FirstResponder, DutyDays.Weekdays, new(8, 0), new(17, 0));
        var roster = new DutyRoster([office, Evenings, Weekends, Holidays], [], Stockholm);
        return FirstResponders(roster, at).Length == 1;
    });

    [FsCheck.NUnit.Property(MaxTest = 3000)]
    public Property Someone_replaced_is_off_for_the_whole_override_and_the_cover_is_on() => Prop.ForAll(
        Instants(), Gen.Choose(1, 60 * 24 * 3).ToArbitrary(), Gen.Choose(0, 60 * 24 * 3).ToArbitrary(),
        (from, minutes, offset) =>
        {
            var swap = new DutyOverride("p-eva", DutyRole.ShiftLead, from, from.AddMinutes(minutes), Replaces: "p-dan");
            var at = from.AddMinutes(offset);
            var on = new DutyRoster([Lead], [swap], Stockholm).At(at);
            var inside = at < swap.To;
            return inside
                ? on.SequenceEqual([new OnDuty("p-eva", DutyRole.ShiftLead)])
                : on.SequenceEqual([new OnDuty("p-dan", DutyRole.ShiftLead)]);
        });
}
