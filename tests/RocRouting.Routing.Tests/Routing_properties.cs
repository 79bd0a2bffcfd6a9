using FsCheck;
using FsCheck.Fluent;
using RocRouting.Contracts;

namespace RocRouting.Routing.Tests;

/// <summary>Properties that must hold for every case at every minute, checked with FsCheck.</summary>
public sealed class Routing_properties
{
    private static readonly RoutingConfiguration Config = RoutingConfiguration.Default;
    private static readonly string?[] Homes = [null, .. MunicipalityRegister.Official.All.Select(m => m.Code)];

    private static readonly DateTimeOffset Epoch = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Arbitrary<(string? Home, string FoundIn, Urgency Urgency, DateTimeOffset At)> Cases() =>
        (from home in Gen.Elements(Homes)
         from foundIn in Gen.Elements(MunicipalityRegister.Official.All.Select(m => m.Code).ToArray())
         from urgency in Gen.Elements(Enum.GetValues<Urgency>())
         from minutes in Gen.Choose(0, 60 * 24 * 366 * 10)
         select (home, foundIn, urgency, Epoch.AddMinutes(minutes))).ToArbitrary();

    private static RoutingDecision Decide((string? Home, string FoundIn, Urgency Urgency, DateTimeOffset At) c) =>
        RoutingPolicy.Decide(new CaseFacts(c.Home, c.FoundIn, c.Urgency), c.At, Config);

    [FsCheck.NUnit.Property(MaxTest = 2000)]
    public Property A_decision_names_exactly_one_recipient() => Prop.ForAll(Cases(), c =>
    {
        var r = Decide(c).Recipient;
        return r.Kind == RecipientKind.HomeMunicipality
            ? r.MunicipalityCode == c.Home && r.ServiceId is null
            : r.ServiceId is not null && r.MunicipalityCode is null && Config.FindService(r.ServiceId) is not null;
    });

    [FsCheck.NUnit.Property(MaxTest = 2000)]
    public Property The_socialjour_taking_a_known_childs_case_always_signals_the_home_municipality() => Prop.ForAll(Cases(), c =>
    {
        var d = Decide(c);
        var expected = d.Recipient.Kind == RecipientKind.SocialEmergencyService && c.Home is not null;
        return expected
            ? d.Signals.Count == 1 && d.Signals[0].MunicipalityCode == c.Home && d.Signals[0].DueAt >= c.At
            : d.Signals.Count == 0;
    });

    [FsCheck.NUnit.Property(MaxTest = 2000)]
    public Property The_same_instant_in_any_offset_gives_the_same_decision() => Prop.ForAll(
        Cases(),
        Gen.Choose(-14 * 4, 14 * 4).Select(q => TimeSpan.FromMinutes(q * 15)).ToArbitrary(),
        (c, offset) =>
        {
            var a = Decide(c);
            var b = Decide(c with { At = c.At.ToOffset(offset) });
            return a.Recipient == b.Recipient && a.RuleId == b.RuleId && a.Reason == b.Reason
                && a.AcknowledgeBy == b.AcknowledgeBy && a.Signals.SequenceEqual(b.Signals);
        });

    [FsCheck.NUnit.Property(MaxTest = 2000)]
    public Property A_deadline_is_never_before_the_case_arrives() => Prop.ForAll(Cases(), c => Decide(c).AcknowledgeBy > c.At);

    [FsCheck.NUnit.Property(MaxTest = 1000)]
    public Property Holidays_follow_the_law_for_every_year_from_1900_to_2200() => Prop.ForAll(Gen.Choose(1900, 2200).ToArbitrary(), year =>
    {
        var easter = SwedishCalendar.EasterSunday(year);
        var named = SwedishCalendar.NamedDays(year)
            .SelectMany(d => d.Name.Split(" / ").Select(name => (name, d.Date)))
            .ToDictionary(x => x.name, x => x.Date);
        return easter == ReferenceEaster(year)
            && easter.DayOfWeek == DayOfWeek.Sunday
            && named["Långfredagen"] == easter.AddDays(-2) && named["Långfredagen"].DayOfWeek == DayOfWeek.Friday
            && named["Annandag påsk"].DayOfWeek == DayOfWeek.Monday
            && named["Kristi himmelsfärdsdag"] == easter.AddDays(39) && named["Kristi himmelsfärdsdag"].DayOfWeek == DayOfWeek.Thursday
            && named["Pingstdagen"] == easter.AddDays(49) && named["Pingstdagen"].DayOfWeek == DayOfWeek.Sunday
            && named["Midsommardagen"].DayOfWeek == DayOfWeek.Saturday && named["Midsommardagen"] >= new DateOnly(year, 6, 20) && named["Midsommardagen"] <= new DateOnly(year, 6, 26)
            && named["Midsommarafton"] == named["Midsommardagen"].AddDays(-1)
            && named["Alla helgons dag"].DayOfWeek == DayOfWeek.Saturday && named["Alla helgons dag"] >= new DateOnly(year, 10, 31) && named["Alla helgons dag"] <= new DateOnly(year, 11, 6)
            && named["Nyårsdagen"] == new DateOnly(year, 1, 1) && named["Juldagen"] == new DateOnly(year, 12, 25)
            && named.Count == 16;
    });

    /// <summary>An independent Easter computation (Gauss's algorithm with the Gregorian corrections) to check against.</summary>
    private static DateOnly ReferenceEaster(int year)
    {
        var a = year % 19;
        var b = year % 4;
        var c = year % 7;
        var k = year / 100;
        var p = ((13 + (8 * k)) / 25);
        var q = k / 4;
        var m = (15 - p + k - q) % 30;
        var n = (4 + k - q) % 7;
        var d = ((19 * a) + m) % 30;
        var e = ((2 * b) + (4 * c) + (6 * d) + n) % 7;
        var day = 22 + d + e;
        if (d == 29 && e == 6)
        {
            return new DateOnly(year, 4, 19);
        }
        if (d == 28 && e == 6 && ((11 * m) + 11) % 30 < 19)
        {
            return new DateOnly(year, 4, 18);
        }
        return day > 31 ? new DateOnly(year, 4, day - 31) : new DateOnly(year, 3, day);
    }
}
