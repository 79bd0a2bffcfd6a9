using System.Net;
using System.Text.Json;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Security;

/// <summary>
/// Every query-string parameter and route value of the API with values at the ends of the calendar,
/// huge and negative numbers, malformed ids and control characters: never a server error, and a
/// refusal is problem details naming the parameter at fault.
/// </summary>
public sealed class Fuzzing_query_strings_and_route_values : SharedAppTest
{
    private static readonly string[] BadValues =
    [
        "9999-12-31", "0001-01-01", "-1", "0", "2147483648", "99999999999999999999", "-99999999999", "1e9", "abc", "",
        "%00", "%FF", "'", "\\", "..%2F", "2026-02-30", "2026-13-01", "1900-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00",
        "00000000-0000-0000-0000-000000000000", "not-a-guid", new string('9', 300),
    ];

    private static readonly (string Role, string Path, string Parameter)[] Parameters =
    [
        ("municipality-staff", "/api/v1/municipalities/0138/calendar?from={0}", "from"),
        ("municipality-staff", "/api/v1/municipalities/0138/calendar?days={0}", "days"),
        ("municipality-staff", "/api/v1/queue?limit={0}", "limit"),
        ("municipality-staff", "/api/v1/queue?next={0}", "next"),
        ("municipality-staff", "/api/v1/queue?status={0}", "status"),
        ("municipality-staff", "/api/v1/queue?urgency={0}", "urgency"),
        ("municipality-staff", "/api/v1/inbox?limit={0}", "limit"),
        ("municipality-staff", "/api/v1/inbox?after={0}", "after"),
        ("auditor", "/api/v1/audit?limit={0}", "limit"),
        ("auditor", "/api/v1/audit?next={0}", "next"),
        ("auditor", "/api/v1/audit?from={0}", "from"),
        ("auditor", "/api/v1/audit?to={0}", "to"),
        ("auditor", "/api/v1/audit?caseId={0}", "caseId"),
        ("operator", "/api/v1/operations/deliveries?state={0}", "state"),
        ("operator", "/api/v1/operations/deliveries?limit={0}", "limit"),
        ("operator", "/api/v1/operations/dead-letters?limit={0}", "limit"),
    ];

    private static readonly (string Role, string Path)[] RouteValues =
    [
        ("municipality-staff", "/api/v1/municipalities/{0}/calendar"),
        ("operator", "/api/v1/cases/{0}"),
    ];

    [Test]
    public async Task Never_answer_500_and_name_the_parameter_at_fault()
    {
        var failures = new List<string>();
        foreach (var (role, path, parameter) in Parameters)
        {
            using var client = App.Client(Token(role));
            foreach (var value in BadValues)
            {
                var url = string.Format(System.Globalization.CultureInfo.InvariantCulture, path, value);
                using var response = await client.GetAsync(url);
                var body = await response.Content.ReadAsStringAsync();
                if ((int)response.StatusCode >= 500)
                {
                    failures.Add($"{url}: {(int)response.StatusCode}");
                }
                else if (response.StatusCode == HttpStatusCode.BadRequest && !NamesField(response, body, parameter))
                {
                    failures.Add($"{url}: 400 without problem details naming {parameter}: {body}");
                }
            }
        }
        foreach (var (role, path) in RouteValues)
        {
            using var client = App.Client(Token(role));
            // A NUL in the path is refused by Kestrel before the application (and by the in-process test host outright).
            foreach (var value in BadValues.Where(v => v != "%00"))
            {
                var url = string.Format(System.Globalization.CultureInfo.InvariantCulture, path, value);
                using var response = await client.GetAsync(url);
                if ((int)response.StatusCode >= 500)
                {
                    failures.Add($"{url}: {(int)response.StatusCode}");
                }
            }
        }
        Assert.That(failures, Is.Empty, string.Join(Environment.NewLine, failures));
    }

    private static bool NamesField(HttpResponseMessage response, string body, string parameter)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return false;
        }
        var problem = JsonDocument.Parse(body).RootElement;
        return problem.TryGetProperty("errors", out var errors) && errors.EnumerateObject().Any(e => e.Name.Equals(parameter, StringComparison.OrdinalIgnoreCase));
    }

    private static string Token(string role) => role switch
    {
        "municipality-staff" => TestTokens.MunicipalityStaff("0138"),
        "auditor" => TestTokens.Auditor(),
        _ => TestTokens.Operator(),
    };
}
