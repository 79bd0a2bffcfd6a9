using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>Request bodies about obviously fictitious children (Skatteverket's test persona Tolvan Tolvansson).</summary>
public static class CaseRequests
{
    /// <summary>Skatteverket's published test personnummer for "Tolvan Tolvansson".</summary>
    public const string TestPersonalIdentityNumber = "19121212-1212";

    /// <summary>
    /// The test child's identity number in each way it could be written, and name: none may appear
    /// where personal data must not. (Not "1212" alone: ids, times and GUIDs contain it by chance.)
    /// </summary>
    public static IReadOnlyList<string> PersonalDataMarkers { get; } = ["19121212", "121212-1212", "1212121212", "Tolvan"];

    public static void AssertNoPersonalData(string text, string? where = null)
    {
        foreach (var marker in PersonalDataMarkers)
        {
            Assert.That(text, Does.Not.Contain(marker), where);
        }
    }

    public static JsonObject Valid(string? home = "0138", string urgency = "urgent", string foundIn = "0180") => new()
    {
        ["child"] = new JsonObject
        {
            ["personalIdentityNumber"] = TestPersonalIdentityNumber,
            ["birthDate"] = null,
            ["homeMunicipalityCode"] = home,
        },
        ["foundInMunicipalityCode"] = foundIn,
        ["urgency"] = urgency,
        ["category"] = "recruitment",
        ["summary"] = "Fictitious test case: Tolvan Tolvansson seen near a fictitious address.",
        ["reportedBy"] = new JsonObject { ["officerId"] = "PA-TEST-0001", ["unit"] = "RLC Stockholm", ["phone"] = "+46 8 000 00 00" },
        ["policeReference"] = "TEST-0001",
    };

    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, JsonNode body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases")
        {
            Content = JsonContent.Create(body),
        };
        request.Headers.Add("Idempotency-Key", idempotencyKey ?? Guid.NewGuid().ToString());
        return await client.SendAsync(request);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
}
