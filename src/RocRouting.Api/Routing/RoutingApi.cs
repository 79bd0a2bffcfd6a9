using System.Globalization;
using System.Text.RegularExpressions;
using RocRouting.Api.Infrastructure;
using RocRouting.Contracts;
using RocRouting.Hosting;
using RocRouting.Routing;

namespace RocRouting.Api.Routing;

public sealed record RoutingPreviewRequest(string? HomeMunicipalityCode, string? FoundInMunicipalityCode, string? Urgency, string? At);

public sealed record RoutingDecisionView(
    Recipient Recipient,
    string RecipientName,
    IReadOnlyList<SignalDue> Signals,
    string RuleId,
    string Reason,
    DateTimeOffset AcknowledgeBy,
    DateTimeOffset DecidedAt,
    string ConfigurationVersion)
{
    public static RoutingDecisionView From(RoutingDecision d, RoutingConfiguration config) => new(
        d.Recipient,
        d.Recipient.Kind == RecipientKind.HomeMunicipality
            ? config.Register.Get(d.Recipient.MunicipalityCode!).Name
            : config.FindService(d.Recipient.ServiceId!)?.Name ?? d.Recipient.ServiceId!,
        d.Signals,
        d.RuleId,
        d.Reason,
        d.AcknowledgeBy,
        d.EvaluatedAt,
        d.ConfigurationVersion);
}

public static partial class RoutingApi
{
    public static IEndpointRouteBuilder MapRoutingApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/api/v1/routing").WithTags("Routing")
            .MapPost("/preview", PreviewAsync)
            .RequireAuthorization(Policies.AnyUser)
            .Accepts<RoutingPreviewRequest>("application/json")
            .Produces<RoutingDecisionView>()
            .ProducesValidationProblem()
            .WithName("PreviewRouting");
        return routes;
    }

    /// <summary>
    /// The decision the worker would make for these facts at that instant, by the same code path
    /// (<see cref="RoutingPolicy.Decide"/> with the running configuration), without creating a case.
    /// </summary>
    internal static async Task<IResult> PreviewAsync(HttpRequest http, RoutingConfiguration config, CancellationToken cancellationToken)
    {
        var (request, problem) = await JsonBody.ReadAsync<RoutingPreviewRequest>(http, 4096, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        var errors = new Dictionary<string, string[]>();
        if (request.HomeMunicipalityCode is not null && !config.Register.Contains(request.HomeMunicipalityCode))
        {
            errors["homeMunicipalityCode"] = ["is not an official 4-digit municipality code (use null when unknown)"];
        }
        if (!config.Register.Contains(request.FoundInMunicipalityCode))
        {
            errors["foundInMunicipalityCode"] = ["is required and must be an official 4-digit municipality code"];
        }
        if (!Wire.TryParse<Urgency>(request.Urgency, out var urgency))
        {
            errors["urgency"] = [$"must be one of {string.Join(", ", Wire.AllNames<Urgency>())}"];
        }
        if (!TryParseInstant(request.At, out var at))
        {
            errors["at"] = ["must be an ISO 8601 date and time with an offset, e.g. 2026-11-28T03:00:00+01:00"];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var decision = RoutingPolicy.Decide(new CaseFacts(request.HomeMunicipalityCode, request.FoundInMunicipalityCode!, urgency), at, config);
        return TypedResults.Ok(RoutingDecisionView.From(decision, config));
    }

    /// <summary>An instant needs its offset: "03:00" alone would mean a different moment in winter and summer.</summary>
    internal static bool TryParseInstant(string? text, out DateTimeOffset at)
    {
        at = default;
        return text is not null
            && HasOffset().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out at);
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex HasOffset();
}
