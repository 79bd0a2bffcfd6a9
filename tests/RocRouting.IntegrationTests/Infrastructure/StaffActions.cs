using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>What tests do through the API as police and staff, and how they read a case back.</summary>
public static class StaffActions
{
    public static async Task<Guid> SubmitAsync(RocApp app, string? home, string urgency)
    {
        using var police = app.Client(TestTokens.PoliceOfficer());
        using var response = await CaseRequests.PostAsync(police, CaseRequests.Valid(home: home, urgency: urgency));
        Assert.That((int)response.StatusCode, Is.EqualTo(202), await response.Content.ReadAsStringAsync());
        return (await CaseRequests.JsonAsync(response)).GetProperty("caseId").GetGuid();
    }

    public static async Task<JsonElement> ViewAsync(RocApp app, Guid caseId)
    {
        using var client = app.Client(TestTokens.Operator());
        using var response = await client.GetAsync($"/api/v1/cases/{caseId}");
        return await CaseRequests.JsonAsync(response);
    }

    public static Task<JsonElement> UntilAsync(RocApp app, Guid caseId, Func<JsonElement, bool> condition, string what) =>
        Eventually.Until(() => ViewAsync(app, caseId), condition, what);

    public static Task<JsonElement> RoutedAsync(RocApp app, Guid caseId) =>
        UntilAsync(app, caseId, v => v.GetProperty("status").GetString() != "submitted", "the case to be routed");

    public static async Task<HttpResponseMessage> AcknowledgeAsync(RocApp app, string token, Guid caseId, string? note = null)
    {
        using var client = app.Client(token);
        return await client.PostAsJsonAsync($"/api/v1/cases/{caseId}/acknowledgements", new { note });
    }

    /// <summary>Waits until every deadline of <paramref name="caseIds"/> due by the app's clock has fired (acted or found moot).</summary>
    public static Task DeadlinesFiredAsync(RocApp app, params Guid[] caseIds) =>
        Eventually.Until(
            () => app.WithDbAsync(db => db.Deadlines.AnyAsync(d => caseIds.Contains(d.CaseId) && d.FiredAt == null && d.DueAt <= app.Clock!.GetUtcNow())),
            pending => !pending,
            "every deadline due to have fired");

    public static async Task<HttpResponseMessage> HandOverAsync(RocApp app, string token, Guid caseId, string reason = "Fiktivt skäl")
    {
        using var client = app.Client(token);
        return await client.PostAsJsonAsync($"/api/v1/cases/{caseId}/handovers", new { reason });
    }

    public static IEnumerable<string?> Timeline(JsonElement view) =>
        view.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("kind").GetString());

    public static string Recipient(JsonElement view)
    {
        var r = view.GetProperty("recipient");
        return r.GetProperty("kind").GetString() == "home-municipality"
            ? $"home-municipality:{r.GetProperty("municipalityCode").GetString()}"
            : $"social-emergency-service:{r.GetProperty("serviceId").GetString()}";
    }
}
