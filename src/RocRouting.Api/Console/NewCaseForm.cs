using RocRouting.Api.Cases;

namespace RocRouting.Api.Console;

/// <summary>The new-case form as posted: every field a string, as the JSON body, so one validation serves both.</summary>
public sealed class NewCaseForm
{
    /// <summary>Made when the form opens: a double click or a retry after a network error posts the same key and gets the same case.</summary>
    public string? Key { get; set; }

    public string? Pin { get; set; }

    public string? BirthDate { get; set; }

    public string? Home { get; set; }

    public string? FoundIn { get; set; }

    public string? Urgency { get; set; }

    public string? Category { get; set; }

    public string? Summary { get; set; }

    public string? OfficerId { get; set; }

    public string? Unit { get; set; }

    public string? Phone { get; set; }

    public string? PoliceReference { get; set; }

    public CaseSubmissionRequest ToRequest() => new(
        new ChildRequest(Blank(Pin), Blank(BirthDate), Blank(Home)),
        Blank(FoundIn),
        Urgency,
        Category,
        Blank(Summary),
        new ReportedByRequest(OfficerId, Unit, Blank(Phone)),
        Blank(PoliceReference));

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>The form field each field of the API's validation answer belongs to, with its Swedish message.</summary>
    public static (string Field, string Message) Describe(string apiField) => apiField switch
    {
        "child.personalIdentityNumber" => ("Pin", Text.ErrorPin),
        "child.birthDate" => ("BirthDate", Text.ErrorBirthDate),
        "child.homeMunicipalityCode" => ("Home", Text.ErrorHome),
        "foundInMunicipalityCode" => ("FoundIn", Text.ErrorFoundIn),
        "urgency" => ("Urgency", Text.ErrorUrgency),
        "category" => ("Category", Text.ErrorCategory),
        "summary" => ("Summary", Swedish.Format(Text.ErrorSummary, CaseSubmission.MaxSummaryLength)),
        "reportedBy.officerId" => ("OfficerId", Text.ErrorOfficerId),
        "reportedBy.unit" => ("Unit", Text.ErrorUnit),
        "reportedBy.phone" => ("Phone", Text.ErrorPhone),
        "policeReference" => ("PoliceReference", Text.ErrorPoliceReference),
        _ => ("Key", Text.KeyReused),
    };
}
