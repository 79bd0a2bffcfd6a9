using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RocRouting.Contracts;

namespace RocRouting.Routing;

/// <summary>
/// The routing configuration as written by operators (bound from the "Routing" section).
/// Everything has a default, so an empty section gives the county agreement as published.
/// </summary>
public sealed class RoutingSettings
{
    public string TimeZone { get; set; } = "Europe/Stockholm";

    /// <summary>Municipalities in the ROC agreement; when empty, every municipality of <see cref="AgreementCounty"/>.</summary>
    public List<string> Participants { get; set; } = [];

    public string AgreementCounty { get; set; } = MunicipalityRegister.StockholmCountyCode;

    /// <summary>Weekday to "HH:mm-HH:mm"; when empty, Monday to Friday 08:00-16:30.</summary>
    public Dictionary<string, string> DefaultOfficeHours { get; set; } = [];

    /// <summary>Municipality code to its own weekly hours, replacing the default for that municipality.</summary>
    public Dictionary<string, Dictionary<string, string>> OfficeHours { get; set; } = [];

    /// <summary>The social emergency services; when empty, Stockholm city's socialjour serving every participant.</summary>
    public List<EmergencyServiceSettings> Services { get; set; } = [];

    public TimeSpan ImmediateWindow { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan UrgentWindow { get; set; } = TimeSpan.FromHours(2);
}

public sealed class EmergencyServiceSettings
{
    public string Id { get; set; } = "";

    public string Name { get; set; } = "";

    /// <summary>Municipality codes this service acts for; empty means every participant not served by another.</summary>
    public List<string> Serves { get; set; } = [];
}

public sealed record EmergencyService(string Id, string Name, FrozenSet<string> Serves);

public sealed class RoutingConfigurationException(IReadOnlyList<string> errors)
    : Exception("The routing configuration is invalid: " + string.Join("; ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>
/// The validated, immutable routing configuration. Its <see cref="Version"/> is a hash of the
/// effective content, so every decision names exactly the rules it was made under.
/// </summary>
public sealed class RoutingConfiguration
{
    private readonly FrozenDictionary<string, OfficeCalendar> _calendars;
    private readonly FrozenDictionary<string, EmergencyService> _serviceByMunicipality;

    private RoutingConfiguration(
        MunicipalityRegister register,
        TimeZoneInfo zone,
        FrozenSet<string> participants,
        OfficeCalendar defaultCalendar,
        FrozenDictionary<string, OfficeCalendar> calendars,
        IReadOnlyList<EmergencyService> services,
        TimeSpan immediateWindow,
        TimeSpan urgentWindow,
        string version)
    {
        Register = register;
        Zone = zone;
        Participants = participants;
        DefaultCalendar = defaultCalendar;
        _calendars = calendars;
        Services = services;
        ImmediateWindow = immediateWindow;
        UrgentWindow = urgentWindow;
        Version = version;
        DefaultService = services[0];
        _serviceByMunicipality = services
            .SelectMany(s => (s.Serves.Count == 0 ? participants : s.Serves).Select(code => (code, s)))
            .GroupBy(x => x.code)
            .ToFrozenDictionary(g => g.Key, g => g.Last().s);
    }

    public MunicipalityRegister Register { get; }

    public TimeZoneInfo Zone { get; }

    public FrozenSet<string> Participants { get; }

    /// <summary>The default office hours; also the "office day" of the 24/7 services for routine deadlines.</summary>
    public OfficeCalendar DefaultCalendar { get; }

    public IReadOnlyList<EmergencyService> Services { get; }

    public EmergencyService DefaultService { get; }

    public TimeSpan ImmediateWindow { get; }

    public TimeSpan UrgentWindow { get; }

    public string Version { get; }

    public static RoutingConfiguration Default { get; } = From(new RoutingSettings(), MunicipalityRegister.Official);

    /// <summary>How long after a missed deadline the next escalation step waits: the urgency's own window again.</summary>
    public TimeSpan SecondWindow(Urgency urgency) => urgency == Urgency.Immediate ? ImmediateWindow : UrgentWindow;

    /// <summary>The display name of a recipient: the municipality's or the service's name.</summary>
    public string NameOf(Recipient recipient) => recipient.Kind == RecipientKind.HomeMunicipality
        ? Register.Find(recipient.MunicipalityCode)?.Name ?? recipient.MunicipalityCode ?? "?"
        : FindService(recipient.ServiceId ?? "")?.Name ?? recipient.ServiceId ?? "?";

    public bool IsParticipant(string municipalityCode) => Participants.Contains(municipalityCode);

    public OfficeCalendar CalendarFor(string municipalityCode) =>
        _calendars.TryGetValue(municipalityCode, out var calendar) ? calendar : DefaultCalendar;

    /// <summary>The service acting for a municipality, or the first configured service when none names it.</summary>
    public EmergencyService ServiceFor(string? municipalityCode) =>
        municipalityCode is not null && _serviceByMunicipality.TryGetValue(municipalityCode, out var s) ? s : DefaultService;

    public EmergencyService? FindService(string id) => Services.FirstOrDefault(s => s.Id == id);

    /// <summary>Validates settings against the register; every problem is reported at once.</summary>
    public static RoutingConfiguration From(RoutingSettings settings, MunicipalityRegister register)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(register);
        var errors = new List<string>();

        TimeZoneInfo zone;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(settings.TimeZone);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            errors.Add($"Routing:TimeZone '{settings.TimeZone}' is not a known time zone.");
            zone = TimeZoneInfo.Utc;
        }

        var participants = settings.Participants.Count > 0
            ? settings.Participants
            : [.. register.InCounty(settings.AgreementCounty).Select(m => m.Code)];
        if (participants.Count == 0)
        {
            errors.Add($"Routing:AgreementCounty '{settings.AgreementCounty}' has no municipalities and no participants are listed.");
        }
        errors.AddRange(participants.Where(c => !register.Contains(c))
            .Select(c => $"Routing:Participants names '{c}', which is not an official municipality code."));

        var defaultHours = settings.DefaultOfficeHours.Count == 0
            ? WeeklyOfficeHours.WeekdaysEightToHalfPastFour
            : ParseWeek(settings.DefaultOfficeHours, "Routing:DefaultOfficeHours", errors);

        var calendars = new Dictionary<string, OfficeCalendar>();
        foreach (var (code, week) in settings.OfficeHours)
        {
            if (!register.Contains(code))
            {
                errors.Add($"Routing:OfficeHours names '{code}', which is not an official municipality code.");
                continue;
            }
            if (ParseWeek(week, $"Routing:OfficeHours:{code}", errors) is { } hours)
            {
                calendars[code] = new OfficeCalendar(hours, zone);
            }
        }

        var services = settings.Services.Count > 0
            ? settings.Services
            : [new EmergencyServiceSettings { Id = "stockholm", Name = "Stockholms stads socialjour" }];
        var builtServices = new List<EmergencyService>();
        foreach (var (s, i) in services.Select((s, i) => (s, i)))
        {
            if (string.IsNullOrWhiteSpace(s.Id) || string.IsNullOrWhiteSpace(s.Name))
            {
                errors.Add($"Routing:Services:{i} needs an Id and a Name.");
            }
            errors.AddRange(s.Serves.Where(c => !register.Contains(c))
                .Select(c => $"Routing:Services:{i} serves '{c}', which is not an official municipality code."));
            builtServices.Add(new EmergencyService(s.Id, s.Name, s.Serves.ToFrozenSet()));
        }
        errors.AddRange(builtServices.GroupBy(s => s.Id).Where(g => g.Count() > 1)
            .Select(g => $"Routing:Services has the id '{g.Key}' more than once."));

        if (settings.ImmediateWindow <= TimeSpan.Zero || settings.UrgentWindow <= TimeSpan.Zero)
        {
            errors.Add("Routing:ImmediateWindow and Routing:UrgentWindow must be positive.");
        }

        if (errors.Count > 0 || defaultHours is null)
        {
            throw new RoutingConfigurationException(errors);
        }

        var version = VersionOf(zone, participants, defaultHours, calendars, builtServices, settings);
        return new RoutingConfiguration(
            register,
            zone,
            participants.ToFrozenSet(),
            new OfficeCalendar(defaultHours, zone),
            calendars.ToFrozenDictionary(),
            builtServices,
            settings.ImmediateWindow,
            settings.UrgentWindow,
            version);
    }

    private static WeeklyOfficeHours? ParseWeek(Dictionary<string, string> week, string path, List<string> errors)
    {
        var days = new Dictionary<DayOfWeek, OpeningHours>();
        foreach (var (dayText, hoursText) in week)
        {
            if (!Enum.TryParse<DayOfWeek>(dayText, ignoreCase: true, out var day) || int.TryParse(dayText, out _))
            {
                errors.Add($"{path}: '{dayText}' is not a weekday (Monday..Sunday).");
                continue;
            }
            var parts = hoursText.Split('-', StringSplitOptions.TrimEntries);
            if (parts.Length != 2
                || !TimeOnly.TryParseExact(parts[0], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var opens)
                || !TimeOnly.TryParseExact(parts[1], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var closes)
                || opens >= closes)
            {
                errors.Add($"{path}:{dayText}: '{hoursText}' is not 'HH:mm-HH:mm' with opening before closing.");
                continue;
            }
            days[day] = new OpeningHours(opens, closes);
        }
        if (days.Count == 0)
        {
            errors.Add($"{path} names no valid weekday: the office would never open.");
            return null;
        }
        return new WeeklyOfficeHours(days);
    }

    private static string VersionOf(
        TimeZoneInfo zone,
        IEnumerable<string> participants,
        WeeklyOfficeHours defaultHours,
        Dictionary<string, OfficeCalendar> calendars,
        List<EmergencyService> services,
        RoutingSettings settings)
    {
        var text = new StringBuilder();
        text.Append(zone.Id).Append('|');
        text.AppendJoin(',', participants.Order(StringComparer.Ordinal)).Append('|');
        AppendWeek(text, defaultHours);
        foreach (var (code, calendar) in calendars.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            text.Append(code).Append('=');
            AppendWeek(text, calendar.Hours);
        }
        foreach (var s in services)
        {
            text.Append(s.Id).Append(':').Append(s.Name).Append(':').AppendJoin(',', s.Serves.Order(StringComparer.Ordinal)).Append('|');
        }
        text.Append(settings.ImmediateWindow.Ticks).Append('|').Append(settings.UrgentWindow.Ticks);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return "cfg-" + Convert.ToHexStringLower(hash)[..12];
    }

    private static void AppendWeek(StringBuilder text, WeeklyOfficeHours hours)
    {
        foreach (var (day, h) in hours.Days.OrderBy(kv => kv.Key))
        {
            text.Append(day).Append(' ').Append(h).Append(';');
        }
        text.Append('|');
    }

}
