using System.Globalization;
using RocRouting.Api.Console;
using RocRouting.Routing;

namespace RocRouting.IntegrationTests.Console;

/// <summary>
/// The API runs with invariant globalization, so its Swedish numbers and alphabetical order are its own.
/// This process has ICU: each is held to what ICU's sv-SE gives.
/// </summary>
public sealed class Writing_Swedish_without_ICU
{
    private static readonly CultureInfo? IcuOrNull = FindIcu();

    /// <summary>
    /// sv-SE from ICU; a process without it (DOTNET_SYSTEM_GLOBALIZATION_INVARIANT) has nothing to compare
    /// with. Assumed here, not in a [SetUp]: NUnit 4.4.0 runs the test after a failed assumption there (nunit/nunit#5026).
    /// </summary>
    private static CultureInfo Icu
    {
        get
        {
            Assume.That(IcuOrNull is not null, "this process runs without ICU");
            return IcuOrNull!;
        }
    }

    private static CultureInfo? FindIcu()
    {
        try
        {
            return CultureInfo.GetCultureInfo("sv-SE");
        }
        catch (CultureNotFoundException)
        {
            return null;
        }
    }

    [Test]
    public void Orders_every_municipality_in_the_register_as_ICU_does_in_Swedish()
    {
        var names = MunicipalityRegister.Official.All.Select(m => m.Name)
            // Ties the register does not have: case, a prefix, and the letters that sort with å, ä and ö.
            .Concat(["ale", "ALE", "Ale", "Al", "Åre", "are", "Ära", "Æra", "ærb", "Öland", "Øland", "yx", "üy", "Väsby", "Wäsby"])
            .ToList();

        var ours = names.Order(Swedish.Order).ToList();
        var icus = names.Order(StringComparer.Create(Icu, ignoreCase: false)).ToList();

        Assert.That(ours, Is.EqualTo(icus));
        Assert.That(ours.IndexOf("Ystad"), Is.LessThan(ours.IndexOf("Åre")));
        Assert.That(ours.IndexOf("Åre"), Is.LessThan(ours.IndexOf("Älvdalen")));
        Assert.That(ours.IndexOf("Älvdalen"), Is.LessThan(ours.IndexOf("Örebro")));
    }

    [TestCase(1.5)]
    [TestCase(-1234567.891)]
    [TestCase(0.25)]
    [TestCase(12345)]
    public void Writes_numbers_as_ICU_does_in_Swedish(double value)
    {
        foreach (var format in new[] { "{0}", "{0:N0}", "{0:N1}", "{0:0.0}" })
        {
            Assert.That(Swedish.Format(format, value), Is.EqualTo(string.Format(Icu, format, value)), format);
        }
    }
}
