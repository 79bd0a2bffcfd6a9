using System.Globalization;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Routing;

namespace RocRouting.Api.Console;

/// <summary>
/// How the console says things in Swedish: times in Europe/Stockholm ("sön 2 dec 02:14"), the words of
/// the domain (../shared/domain.md) and the routing rules as sentences. Text comes from
/// <see cref="Text"/>; this class only chooses and fills it.
/// </summary>
public sealed class Swedish(RoutingConfiguration config)
{
    // Fixed forms as Swedish authorities abbreviate them; ICU's forms vary by version ("dec." or "dec").
    private static readonly string[] Days = ["sön", "mån", "tis", "ons", "tor", "fre", "lör"];
    private static readonly string[] DayNames = ["söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"];
    private static readonly string[] Months = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"];

    /// <summary>
    /// Swedish numbers (a decimal comma, a no-break space between thousands, the minus sign) without ICU:
    /// the API runs with invariant globalization, which has no sv-SE (README, Performance). Everything else
    /// Swedish about a text, the names of days and months included, is written out by this class.
    /// </summary>
    public static CultureInfo Culture { get; } = SwedishNumbers();

    /// <summary>Names in Swedish alphabetical order (Å, Ä, Ö after Z).</summary>
    public static IComparer<string> Order { get; } = new SwedishAlphabetical();

    /// <summary>The register's municipalities in Swedish alphabetical order, as every list of them shows them; sorted once.</summary>
    public IReadOnlyList<Municipality> Municipalities { get; } = [.. config.Register.All.OrderBy(m => m.Name, Order)];

    private static CultureInfo SwedishNumbers()
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        var numbers = culture.NumberFormat;
        numbers.NumberDecimalSeparator = numbers.PercentDecimalSeparator = numbers.CurrencyDecimalSeparator = ",";
        numbers.NumberGroupSeparator = numbers.PercentGroupSeparator = numbers.CurrencyGroupSeparator = "\u00A0";
        numbers.NegativeSign = "\u2212";
        return CultureInfo.ReadOnly(culture);
    }

    private DateTimeOffset Local(DateTimeOffset at) => config.DefaultCalendar.ToLocal(at);

    /// <summary>"sön 2 dec 02:14": a time a person reads, always in Stockholm time.</summary>
    public string Time(DateTimeOffset at)
    {
        var local = Local(at);
        return string.Create(Culture, $"{Days[(int)local.DayOfWeek]} {local.Day} {Months[local.Month - 1]} {local:HH:mm}");
    }

    public string Time(DateTimeOffset? at) => at is { } value ? Time(value) : "";

    /// <summary>The clock only ("02:14"), for a time on the same day as its context.</summary>
    public string Clock(DateTimeOffset at) => Local(at).ToString("HH:mm", Culture);

    /// <summary>ISO date and time for tables ("2026-12-02 02:14").</summary>
    public string TableTime(DateTimeOffset at) => Local(at).ToString("yyyy-MM-dd HH:mm", Culture);

    /// <summary>Machine-readable instant for &lt;time datetime&gt; and the countdown script.</summary>
    public static string Iso(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Of(Urgency urgency) => urgency switch
    {
        Urgency.Immediate => Text.UrgencyImmediate,
        Urgency.Urgent => Text.UrgencyUrgent,
        _ => Text.UrgencyRoutine,
    };

    public static string Of(CaseStatus status) => status switch
    {
        CaseStatus.Submitted => Text.StatusSubmitted,
        CaseStatus.Routed => Text.StatusRouted,
        CaseStatus.Overdue => Text.StatusOverdue,
        CaseStatus.Acknowledged => Text.StatusAcknowledged,
        _ => Text.StatusClosed,
    };

    public static string Of(CaseCategory category) => category switch
    {
        CaseCategory.Recruitment => Text.CategoryRecruitment,
        CaseCategory.Violence => Text.CategoryViolence,
        CaseCategory.AbscondedFromCare => Text.CategoryAbscondedFromCare,
        _ => Text.CategoryOther,
    };

    public static string Of(CaseOutcome outcome) => outcome switch
    {
        CaseOutcome.Handled => Text.OutcomeHandled,
        CaseOutcome.Referred => Text.OutcomeReferred,
        CaseOutcome.NoActionNeeded => Text.OutcomeNoActionNeeded,
        _ => Text.OutcomeDuplicate,
    };

    public static string Of(CaseEventKind kind) => kind switch
    {
        CaseEventKind.Submitted => Text.EventSubmitted,
        CaseEventKind.Routed => Text.EventRouted,
        CaseEventKind.Renotified => Text.EventRenotified,
        CaseEventKind.Overdue => Text.EventOverdue,
        CaseEventKind.Rerouted => Text.EventRerouted,
        CaseEventKind.Acknowledged => Text.EventAcknowledged,
        CaseEventKind.HandedOver => Text.EventHandedOver,
        CaseEventKind.Escalated => Text.EventEscalated,
        CaseEventKind.Closed => Text.EventClosed,
        _ => Text.EventDelivered,
    };

    public static string Of(DutyRole role) => role == DutyRole.ShiftLead ? Text.RoleShiftLead : Text.RoleFirstResponder;

    /// <summary>The day choices of a weekly duty, as the roster form offers them.</summary>
    public static IReadOnlyList<(DutyDays Days, string Label)> DayChoices { get; } =
    [
        (DutyDays.Monday, Text.DayMonday), (DutyDays.Tuesday, Text.DayTuesday), (DutyDays.Wednesday, Text.DayWednesday),
        (DutyDays.Thursday, Text.DayThursday), (DutyDays.Friday, Text.DayFriday), (DutyDays.Saturday, Text.DaySaturday),
        (DutyDays.Sunday, Text.DaySunday), (DutyDays.Weekdays, Text.DayWeekdays), (DutyDays.Weekend, Text.DayWeekend),
        (DutyDays.Holidays, Text.DayHolidays), (DutyDays.EveryDay, Text.DayEveryDay),
    ];

    /// <summary>"vardagar (mån–fre), helgdagar och helgdagsaftnar": the widest names first, each day said once.</summary>
    public static string Of(DutyDays days)
    {
        var parts = new List<string>();
        foreach (var (choice, label) in DayChoices.OrderByDescending(c => System.Numerics.BitOperations.PopCount((uint)c.Days)))
        {
            if (choice != DutyDays.None && (days & choice) == choice)
            {
                parts.Add(label);
                days &= ~choice;
            }
        }
        return string.Join(", ", parts);
    }

    public string Municipality(string? code) => config.Register.Find(code)?.Name ?? Text.Unknown;

    public string NameOf(Recipient? recipient) => recipient is null ? Text.Nobody : config.NameOf(recipient);

    /// <summary>An organisation as the audit trail and acknowledgements store it ("home-municipality:0138").</summary>
    public string Organisation(string stored) =>
        stored == RosterOrganisations.Operators ? Text.RosterOperators
        : Recipient.TryParse(stored, out var recipient) ? config.NameOf(recipient) : stored;

    /// <summary>"Tyresös", "Strängnäs": the genitive of a name.</summary>
    public static string Genitive(string name) =>
        name.EndsWith('s') || name.EndsWith('x') || name.EndsWith('z') ? name : name + "s";

    /// <summary>
    /// Why a route went where it went, in Swedish, from the rule that decided it and the facts it
    /// looked at. (The stored reason is the English audit text; this is what a person reads.)
    /// </summary>
    public string Reason(string ruleId, CaseFacts facts, DateTimeOffset evaluatedAt, string storedReason)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(storedReason);
        var home = config.Register.Find(facts.HomeMunicipalityCode);
        var homeName = home?.Name ?? Text.Unknown;
        var closed = home is null ? "" : ClosedBecause(config.CalendarFor(home.Code), evaluatedAt);
        // Escalations and handovers to the socialjour come from the home municipality; handovers to it, from the socialjour.
        var previousName = ruleId == RuleIds.HandoverToHomeMunicipality
            ? config.ServiceFor(facts.HomeMunicipalityCode ?? facts.FoundInMunicipalityCode).Name
            : homeName;
        return ruleId switch
        {
            RuleIds.UnknownHomeMunicipality => Text.ReasonUnknownHome,
            RuleIds.ParticipantOfficeOpen => Format(Text.ReasonParticipantOpen, Genitive(homeName)),
            RuleIds.ParticipantOfficeClosingBeforeImmediateWindow => Format(
                Text.ReasonParticipantClosingImmediate, Genitive(homeName), ClosingTime(home, evaluatedAt)),
            RuleIds.ParticipantOfficeClosed => Format(Text.ReasonParticipantClosed, Genitive(homeName), closed),
            RuleIds.ParticipantOfficeClosedRoutine => Format(Text.ReasonParticipantClosedRoutine, Genitive(homeName), closed),
            RuleIds.NonParticipantOfficeOpen => Format(Text.ReasonNonParticipantOpen, homeName),
            RuleIds.NonParticipantOfficeClosedImmediate => Format(Text.ReasonNonParticipantClosedImmediate, homeName, closed),
            RuleIds.NonParticipantOfficeClosedDeferred => Format(Text.ReasonNonParticipantClosedDeferred, homeName, closed),
            RuleIds.EscalationUnacknowledged => Format(Text.ReasonEscalationUnacknowledged, previousName),
            RuleIds.EscalationOfficeClosed => Format(Text.ReasonEscalationOfficeClosed, Genitive(previousName)),
            // The person's own words are a staff note (sealed), shown only to the staff working the case.
            RuleIds.HandoverToSocialjour or RuleIds.HandoverToHomeMunicipality => Format(Text.ReasonHandover, previousName),
            _ => storedReason,
        };
    }

    /// <summary>"söndag", "juldagen", "utanför kontorstid": why an office is closed at an instant.</summary>
    public static string ClosedBecause(OfficeCalendar calendar, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        return ClosedOn(calendar, calendar.LocalDate(at)) ?? Text.ClosedOutsideHours;
    }

    /// <summary>Why the office is closed all day ("juldagen", "lördag"), or null on an office day.</summary>
    public static string? ClosedOn(OfficeCalendar calendar, DateOnly date) =>
        calendar?.ClosedOn(date) is { } closed
            // Holiday names are written lower-case in running Swedish text ("stängt, juldagen").
            ? (SwedishCalendar.FindNamed(date)?.Name ?? closed.Holiday?.Name ?? DayNames[(int)date.DayOfWeek]).ToLower(Culture)
            : null;

    private string ClosingTime(Municipality? home, DateTimeOffset at) =>
        home is not null && config.CalendarFor(home.Code).StatusAt(at).OpenDay is { } day ? Clock(day.Closes) : "";

    public static string Format(string template, params object?[] values) => string.Format(Culture, template, values);
}

/// <summary>
/// The order of the Swedish alphabet as ICU's Swedish collation gives it for names: letters by the
/// alphabet with å, ä and ö after z (æ, ø and ü with ä, ö and y); a space before a hyphen before a digit
/// before a letter; a shorter name before a longer one that starts with it; case and those variants only
/// where nothing else differs, lower case first. A character outside the alphabet sorts after ö by its
/// code point. Written here because the API runs without ICU; a test holds it to ICU's order for every
/// municipality in the register.
/// </summary>
internal sealed class SwedishAlphabetical : IComparer<string>
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzåäö";

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }
        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }
        for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            var order = Primary(x[i]).CompareTo(Primary(y[i]));
            if (order != 0)
            {
                return order;
            }
        }
        if (x.Length != y.Length)
        {
            return x.Length.CompareTo(y.Length);
        }
        for (var i = 0; i < x.Length; i++)
        {
            var order = Variant(x[i]).CompareTo(Variant(y[i]));
            if (order != 0)
            {
                return order;
            }
        }
        return string.CompareOrdinal(x, y);
    }

    private static int Primary(char c)
    {
        var lower = char.ToLowerInvariant(c);
        var letter = Alphabet.IndexOf(lower switch { 'æ' => 'ä', 'ø' => 'ö', 'ü' => 'y', _ => lower }, StringComparison.Ordinal);
        return c switch
        {
            ' ' => 1,
            '-' => 2,
            >= '0' and <= '9' => 10 + (c - '0'),
            _ when letter >= 0 => 100 + letter,
            _ => 1000 + lower,
        };
    }

    // Where the letters agree: the plain letter before its variant (ä before æ), lower case before upper.
    private static int Variant(char c)
    {
        var lower = char.ToLowerInvariant(c);
        return (lower is 'æ' or 'ø' or 'ü' ? 2 : 0) + (lower == c ? 0 : 1);
    }
}
