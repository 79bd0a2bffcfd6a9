using System.Globalization;
using System.Text.Json;
using RocRouting.Api.Infrastructure;
using RocRouting.Contracts;
using RocRouting.Routing;

namespace RocRouting.Api.Cases;

/// <summary>
/// The body of POST /api/v1/cases as sent. Every field is a string so that a wrong value is
/// reported by name ("urgency must be one of ...") rather than as a JSON conversion failure.
/// </summary>
public sealed record CaseSubmissionRequest(
    ChildRequest? Child,
    string? FoundInMunicipalityCode,
    string? Urgency,
    string? Category,
    string? Summary,
    ReportedByRequest? ReportedBy,
    string? PoliceReference);

public sealed record ChildRequest(string? PersonalIdentityNumber, string? BirthDate, string? HomeMunicipalityCode);

public sealed record ReportedByRequest(string? OfficerId, string? Unit, string? Phone);

/// <summary>A validated, normalised submission: what is stored and what the idempotency hash covers.</summary>
public sealed record CaseSubmission(
    string? PersonalIdentityNumber,
    DateOnly? BirthDate,
    string? HomeMunicipalityCode,
    string FoundInMunicipalityCode,
    Urgency Urgency,
    CaseCategory Category,
    string? Summary,
    string OfficerId,
    string Unit,
    string? Phone,
    string? PoliceReference)
{
    public const int MaxSummaryLength = 4000;
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>SHA-256 over the normalised submission: a replay with other whitespace or field order is still the same request.</summary>
    /// <summary>The normalised request as bytes, for telling a retry from a different request.</summary>
    public byte[] Canonical() => JsonSerializer.SerializeToUtf8Bytes(this, JsonBody.Options);

    public static (CaseSubmission? Submission, Dictionary<string, string[]> Errors) Validate(
        CaseSubmissionRequest request, MunicipalityRegister register, DateOnly today)
    {
        var errors = new Dictionary<string, string[]>();
        void Fail(string field, string message) => errors[field] = [message];

        string? pin = null;
        DateOnly? birthDate = null;
        var child = request.Child;
        if (child is null)
        {
            Fail("child", "is required (its fields may be null when unknown)");
        }
        else
        {
            if (!string.IsNullOrWhiteSpace(child.PersonalIdentityNumber))
            {
                if (RocRouting.Routing.Identity.PersonalIdentityNumber.TryParse(child.PersonalIdentityNumber, today, out var number, out var error))
                {
                    pin = number.Digits;
                    birthDate = number.BirthDate;
                }
                else
                {
                    Fail("child.personalIdentityNumber", error);
                }
            }
            if (!string.IsNullOrWhiteSpace(child.BirthDate))
            {
                if (!DateOnly.TryParseExact(child.BirthDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    Fail("child.birthDate", "must be a date as YYYY-MM-DD");
                }
                else if (date > today)
                {
                    Fail("child.birthDate", "is in the future");
                }
                else if (birthDate is not null && birthDate != date)
                {
                    Fail("child.birthDate", "does not match the date of birth in personalIdentityNumber");
                }
                else
                {
                    birthDate = date;
                }
            }
            if (child.HomeMunicipalityCode is not null && !register.Contains(child.HomeMunicipalityCode))
            {
                Fail("child.homeMunicipalityCode", "is not an official 4-digit municipality code (use null when unknown)");
            }
        }

        if (string.IsNullOrEmpty(request.FoundInMunicipalityCode))
        {
            Fail("foundInMunicipalityCode", "is required");
        }
        else if (!register.Contains(request.FoundInMunicipalityCode))
        {
            Fail("foundInMunicipalityCode", "is not an official 4-digit municipality code");
        }

        if (!Wire.TryParse<Urgency>(request.Urgency, out var urgency))
        {
            Fail("urgency", $"must be one of {string.Join(", ", Wire.AllNames<Urgency>())}");
        }
        if (!Wire.TryParse<CaseCategory>(request.Category, out var category))
        {
            Fail("category", $"must be one of {string.Join(", ", Wire.AllNames<CaseCategory>())}");
        }
        if (request.Summary is { Length: > MaxSummaryLength })
        {
            Fail("summary", $"must be at most {MaxSummaryLength} characters");
        }

        var reportedBy = request.ReportedBy;
        if (reportedBy is null)
        {
            Fail("reportedBy", "is required");
        }
        else
        {
            RequireText(reportedBy.OfficerId, "reportedBy.officerId", 64, errors);
            RequireText(reportedBy.Unit, "reportedBy.unit", 64, errors);
            if (reportedBy.Phone is not null && (reportedBy.Phone.Length > 32 || !reportedBy.Phone.All(c => char.IsAsciiDigit(c) || c is '+' or '-' or ' ')))
            {
                Fail("reportedBy.phone", "must be at most 32 digits, spaces, '+' or '-'");
            }
        }
        if (request.PoliceReference is { Length: > 64 })
        {
            Fail("policeReference", "must be at most 64 characters");
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }
        return (new CaseSubmission(
            pin,
            birthDate,
            child!.HomeMunicipalityCode,
            request.FoundInMunicipalityCode!,
            urgency,
            category,
            string.IsNullOrWhiteSpace(request.Summary) ? null : request.Summary,
            reportedBy!.OfficerId!.Trim(),
            reportedBy.Unit!.Trim(),
            string.IsNullOrWhiteSpace(reportedBy.Phone) ? null : reportedBy.Phone.Trim(),
            string.IsNullOrWhiteSpace(request.PoliceReference) ? null : request.PoliceReference.Trim()), errors);
    }

    private static void RequireText(string? value, string field, int max, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = ["is required"];
        }
        else if (value.Length > max)
        {
            errors[field] = [$"must be at most {max} characters"];
        }
    }
}
