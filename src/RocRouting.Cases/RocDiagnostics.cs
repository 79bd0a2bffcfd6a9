using System.Diagnostics;
using RocRouting.Contracts;

namespace RocRouting.Cases;

/// <summary>
/// The service's own spans and metrics, in one place so the list of what operators can see is
/// readable at a glance. Attributes carry ids, codes and enum names only: never a name, an
/// identity number or free text.
/// </summary>
public static class RocDiagnostics
{
    public const string Name = "RocRouting";

    public static readonly ActivitySource Source = new(Name);

    public const string CaseIdTag = "roc.case_id";
    public const string UrgencyTag = "roc.urgency";
    public const string RuleIdTag = "roc.rule_id";
    public const string MunicipalityTag = "roc.municipality_code";
    public const string RecipientKindTag = "roc.recipient_kind";

    /// <summary>Starts a span continuing the trace stored with a row (W3C traceparent), or a new trace without one.</summary>
    public static Activity? StartFrom(string name, ActivityKind kind, string? traceParent, Guid? caseId = null)
    {
        var activity = ActivityContext.TryParse(traceParent, null, out var parent)
            ? Source.StartActivity(name, kind, parent)
            : Source.StartActivity(name, kind);
        if (caseId is { } id)
        {
            activity?.SetTag(CaseIdTag, id);
        }
        return activity;
    }

    /// <summary>Adds the case's routing facts to the current span.</summary>
    public static void TagCase(this Activity? activity, Guid caseId, Urgency? urgency = null, string? ruleId = null, string? municipalityCode = null)
    {
        if (activity is null)
        {
            return;
        }
        activity.SetTag(CaseIdTag, caseId);
        if (urgency is { } u)
        {
            activity.SetTag(UrgencyTag, Wire.Name(u));
        }
        if (ruleId is not null)
        {
            activity.SetTag(RuleIdTag, ruleId);
        }
        if (municipalityCode is not null)
        {
            activity.SetTag(MunicipalityTag, municipalityCode);
        }
    }
}
