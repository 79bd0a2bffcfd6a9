namespace RocRouting.Routing.Tests;

public sealed class Swedish_public_holidays
{
    // The check dates from domain.md: långfredag, påskdagen, Kristi himmelsfärd, pingst, midsommardagen, alla helgons dag.
    [TestCase(2025, "2025-04-18", "2025-04-20", "2025-05-29", "2025-06-08", "2025-06-21", "2025-11-01")]
    [TestCase(2026, "2026-04-03", "2026-04-05", "2026-05-14", "2026-05-24", "2026-06-20", "2026-10-31")]
    [TestCase(2027, "2027-03-26", "2027-03-28", "2027-05-06", "2027-05-16", "2027-06-26", "2027-11-06")]
    public void Moveable_holidays_fall_on_the_published_dates(
        int year, string goodFriday, string easter, string ascension, string pentecost, string midsummer, string allSaints)
    {
        Assert.Multiple(() =>
        {
            Assert.That(NameOn(goodFriday), Is.EqualTo("Långfredagen"));
            Assert.That(NameOn(easter), Is.EqualTo("Påskdagen"));
            Assert.That(NameOn(ascension), Is.EqualTo("Kristi himmelsfärdsdag"));
            Assert.That(NameOn(pentecost), Is.EqualTo("Pingstdagen"));
            Assert.That(NameOn(midsummer), Is.EqualTo("Midsommardagen"));
            Assert.That(NameOn(allSaints), Is.EqualTo("Alla helgons dag"));
            Assert.That(SwedishCalendar.EasterSunday(year), Is.EqualTo(DateOnly.Parse(easter, System.Globalization.CultureInfo.InvariantCulture)));
        });
    }

    [TestCase("2026-01-01", "Nyårsdagen")]
    [TestCase("2026-01-06", "Trettondedag jul")]
    [TestCase("2026-05-01", "Första maj")]
    [TestCase("2026-06-06", "Sveriges nationaldag")]
    [TestCase("2026-12-25", "Juldagen")]
    [TestCase("2026-12-26", "Annandag jul")]
    [TestCase("2026-04-06", "Annandag påsk")]
    public void Fixed_and_easter_holidays_are_public_holidays(string date, string name)
    {
        var day = DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Multiple(() =>
        {
            Assert.That(SwedishCalendar.Find(day)?.Name, Is.EqualTo(name));
            Assert.That(SwedishCalendar.IsPublicHoliday(day), Is.True);
        });
    }

    [TestCase("2026-06-19", "Midsommarafton")]
    [TestCase("2026-12-24", "Julafton")]
    [TestCase("2026-12-31", "Nyårsafton")]
    public void Holiday_eves_close_offices_but_are_not_public_holidays(string date, string name)
    {
        var day = DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Multiple(() =>
        {
            Assert.That(SwedishCalendar.Find(day)?.Name, Is.EqualTo(name));
            Assert.That(SwedishCalendar.IsPublicHoliday(day), Is.False);
            Assert.That(SwedishCalendar.IsNonOfficeDay(day), Is.True);
        });
    }

    [Test]
    public void Every_sunday_is_a_public_holiday()
    {
        var sundays = Enumerable.Range(0, 400).Select(i => new DateOnly(2026, 1, 4).AddDays(i * 7));
        Assert.That(sundays.All(SwedishCalendar.IsPublicHoliday), Is.True);
    }

    [Test]
    public void Holidays_sharing_a_date_carry_both_names()
    {
        Assert.Multiple(() =>
        {
            Assert.That(SwedishCalendar.Find(new DateOnly(2055, 6, 6))?.Name, Is.EqualTo("Sveriges nationaldag / Pingstdagen"));
            Assert.That(SwedishCalendar.Find(new DateOnly(2008, 5, 1))?.Name, Is.EqualTo("Första maj / Kristi himmelsfärdsdag"));
        });
    }

    [Test]
    public void An_ordinary_tuesday_is_a_working_day()
    {
        Assert.That(SwedishCalendar.IsNonOfficeDay(new DateOnly(2026, 11, 24)), Is.False);
    }

    private static string? NameOn(string date) =>
        SwedishCalendar.Find(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture))?.Name;
}
