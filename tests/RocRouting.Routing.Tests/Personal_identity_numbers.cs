using RocRouting.Routing.Identity;

namespace RocRouting.Routing.Tests;

public sealed class Personal_identity_numbers
{
    private static readonly DateOnly Today = new(2026, 11, 22);

    [TestCase("19121212-1212", "191212121212")]
    [TestCase("191212121212", "191212121212")]
    [TestCase("121212-1212", "201212121212")]
    [TestCase("1212121212", "201212121212")]
    [TestCase("121212+1212", "191212121212")]
    [TestCase(" 19121212-1212 ", "191212121212")]
    public void Valid_forms_are_normalised_to_twelve_digits(string input, string expected)
    {
        Assert.Multiple(() =>
        {
            Assert.That(PersonalIdentityNumber.TryParse(input, Today, out var number, out var error), Is.True, error);
            Assert.That(number.Digits, Is.EqualTo(expected));
        });
    }

    [Test]
    public void A_coordination_number_has_its_day_plus_sixty()
    {
        Assert.Multiple(() =>
        {
            Assert.That(PersonalIdentityNumber.TryParse("701063-2391", Today, out var number, out var error), Is.True, error);
            Assert.That(number.IsCoordinationNumber, Is.True);
            Assert.That(number.BirthDate, Is.EqualTo(new DateOnly(1970, 10, 3)));
        });
    }

    [TestCase("19121212-1213", "check digit")]
    [TestCase("1912121212", "check digit")]
    [TestCase("12121-1212", "10 or 12 digits")]
    [TestCase("19121212_1212", "10 or 12 digits")]
    [TestCase("abcdefghij", "10 or 12 digits")]
    [TestCase("", "10 or 12 digits")]
    public void Invalid_numbers_are_rejected_with_a_reason(string input, string reason)
    {
        Assert.Multiple(() =>
        {
            Assert.That(PersonalIdentityNumber.TryParse(input, Today, out _, out var error), Is.False);
            Assert.That(error, Does.Contain(reason));
        });
    }

    [TestCase("20121212-0008")]
    [TestCase("201212120008")]
    [TestCase("121212-0008")]
    [TestCase("1212120008")]
    [TestCase("121212+0008")]
    [TestCase("701063-0007")]
    public void Birth_number_000_is_rejected_in_every_form(string input)
    {
        Assert.Multiple(() =>
        {
            Assert.That(PersonalIdentityNumber.ChecksumIsValid(input.Replace("-", "", StringComparison.Ordinal).Replace("+", "", StringComparison.Ordinal).AsSpan()[^10..]), Is.True, "the check digit alone would pass");
            Assert.That(PersonalIdentityNumber.TryParse(input, Today, out _, out var error), Is.False);
            Assert.That(error, Does.Contain("birth number 000"));
        });
    }

    [Test]
    public void A_date_that_does_not_exist_is_rejected()
    {
        var nine = "121332123";
        var number = nine + PersonalIdentityNumber.CheckDigit(nine);
        Assert.Multiple(() =>
        {
            Assert.That(PersonalIdentityNumber.TryParse(number, Today, out _, out var error), Is.False);
            Assert.That(error, Does.Contain("date of birth"));
        });
    }

    [Test]
    public void The_number_is_never_printed()
    {
        PersonalIdentityNumber.TryParse("19121212-1212", Today, out var number, out _);
        Assert.That($"{number}", Does.Not.Contain("1212"));
    }
}
