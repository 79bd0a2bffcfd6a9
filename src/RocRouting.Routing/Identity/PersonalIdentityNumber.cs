namespace RocRouting.Routing.Identity;

/// <summary>
/// A checksum-valid Swedish personnummer or samordningsnummer, normalised to 12 digits
/// (YYYYMMDDNNNC). <see cref="ToString"/> never prints the number, so a stray log line cannot leak it.
/// </summary>
public readonly record struct PersonalIdentityNumber
{
    private PersonalIdentityNumber(string digits, DateOnly birthDate, bool isCoordinationNumber)
    {
        Digits = digits;
        BirthDate = birthDate;
        IsCoordinationNumber = isCoordinationNumber;
    }

    /// <summary>The 12 normalised digits. Handle as personal data.</summary>
    public string Digits { get; }

    public DateOnly BirthDate { get; }

    /// <summary>A samordningsnummer: the day of birth plus 60.</summary>
    public bool IsCoordinationNumber { get; }

    public override string ToString() => "PersonalIdentityNumber(redacted)";

    /// <summary>
    /// Parses 10 or 12 digits, with or without a '-' (or '+' from the year the person turns 100)
    /// before the last four. A 10-digit number's century is the latest one that does not put the
    /// birth date after <paramref name="today"/>.
    /// </summary>
    public static bool TryParse(string? text, DateOnly today, out PersonalIdentityNumber number, out string error)
    {
        number = default;
        var s = text?.Trim() ?? "";
        var separator = '-';
        if (s.Length is 11 or 13 && s[^5] is '-' or '+')
        {
            separator = s[^5];
            s = s.Remove(s.Length - 5, 1);
        }
        if (s.Length is not (10 or 12) || !s.All(char.IsAsciiDigit))
        {
            error = "must be 10 or 12 digits, optionally with '-' or '+' before the last four (YYMMDD-NNNC or YYYYMMDD-NNNC)";
            return false;
        }

        var ten = s.Length == 12 ? s[2..] : s;
        if (!ChecksumIsValid(ten))
        {
            error = "has a check digit that does not match (it may be mistyped)";
            return false;
        }
        if (ten[6..9] == "000")
        {
            // Skatteverket never issues birth number 000, so such a number is mistyped or made up.
            error = "has birth number 000, which is never issued";
            return false;
        }

        var yy = int.Parse(ten[..2], System.Globalization.CultureInfo.InvariantCulture);
        var month = int.Parse(ten[2..4], System.Globalization.CultureInfo.InvariantCulture);
        var day = int.Parse(ten[4..6], System.Globalization.CultureInfo.InvariantCulture);
        var coordination = day > 60;
        if (coordination)
        {
            day -= 60;
        }

        int year;
        if (s.Length == 12)
        {
            year = int.Parse(s[..4], System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            year = (today.Year / 100 * 100) + yy;
            if (year > today.Year || (year == today.Year && !IsOnOrBefore(year, month, day, today)))
            {
                year -= 100;
            }
            if (separator == '+')
            {
                year -= 100;
            }
        }

        if (month is < 1 or > 12 || day < 1 || year < 1800 || day > DateTime.DaysInMonth(year, month))
        {
            error = "does not contain a valid date of birth";
            return false;
        }
        var birthDate = new DateOnly(year, month, day);
        if (birthDate > today)
        {
            error = "has a date of birth in the future";
            return false;
        }

        number = new PersonalIdentityNumber($"{year:D4}{ten[2..]}", birthDate, coordination);
        error = "";
        return true;
    }

    /// <summary>The Luhn check over YYMMDDNNNC: weights 2,1,2,1,... from the left.</summary>
    public static bool ChecksumIsValid(ReadOnlySpan<char> tenDigits) => tenDigits.Length == 10 && CheckDigit(tenDigits[..9]) == tenDigits[9] - '0';

    /// <summary>The check digit for nine digits YYMMDDNNN, for generating test numbers.</summary>
    public static int CheckDigit(ReadOnlySpan<char> nineDigits)
    {
        var sum = 0;
        for (var i = 0; i < 9; i++)
        {
            var product = (nineDigits[i] - '0') * (i % 2 == 0 ? 2 : 1);
            sum += (product / 10) + (product % 10);
        }
        return (10 - (sum % 10)) % 10;
    }

    private static bool IsOnOrBefore(int year, int month, int day, DateOnly today) =>
        month < today.Month || (month == today.Month && day <= today.Day);
}
