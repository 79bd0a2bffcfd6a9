using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using RocRouting.IntegrationTests.Infrastructure;
using static RocRouting.IntegrationTests.Infrastructure.StaffActions;

namespace RocRouting.IntegrationTests.Delivery;

public sealed class Polling_the_inbox : ClockedAppTest
{
    [Test]
    public async Task Shows_the_socialjour_the_case_and_the_home_municipality_the_signal()
    {
        Clock.NextLocal(DayOfWeek.Saturday, 3);
        var caseId = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, caseId);

        var caseItem = await ItemForAsync(TestTokens.SocialjourStaff(), caseId);
        var signal = await ItemForAsync(TestTokens.MunicipalityStaff("0138"), caseId);
        Assert.Multiple(() =>
        {
            Assert.That(caseItem.GetProperty("kind").GetString(), Is.EqualTo("case"));
            Assert.That(signal.GetProperty("kind").GetString(), Is.EqualTo("signal"));
            Assert.That(signal.GetProperty("dueAt").GetDateTimeOffset().DayOfWeek, Is.EqualTo(DayOfWeek.Monday));
            Assert.That(signal.TryGetProperty("receivedAt", out _), Is.False);
        });
    }

    [Test]
    public async Task A_receipt_is_recorded_once_and_only_by_the_recipient()
    {
        Clock.NextLocal(DayOfWeek.Saturday, 3);
        var caseId = await SubmitAsync(App, "0138", "urgent");
        await RoutedAsync(App, caseId);
        var itemId = (await ItemForAsync(TestTokens.MunicipalityStaff("0138"), caseId)).GetProperty("itemId").GetGuid();

        using var tyreso = App.Client(TestTokens.MunicipalityStaff("0138"));
        using var other = App.Client(TestTokens.MunicipalityStaff("0180"));
        using var first = await tyreso.PostAsync($"/api/v1/inbox/{itemId}/receipt", null);
        Clock.Advance(TimeSpan.FromMinutes(1));
        using var second = await tyreso.PostAsync($"/api/v1/inbox/{itemId}/receipt", null);
        using var foreign = await other.PostAsync($"/api/v1/inbox/{itemId}/receipt", null);
        Assert.Multiple(async () =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await second.Content.ReadAsStringAsync(), Is.EqualTo(await first.Content.ReadAsStringAsync()));
            Assert.That(foreign.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        });
    }

    [Test]
    public async Task An_item_committed_late_is_not_skipped_by_a_cursor()
    {
        // Kiruna (2584) receives nothing else in the tests: its inbox holds only what this test writes.
        var (caseId, routeId) = await ACaseAsync();
        var start = (await InboxAsync(TestTokens.MunicipalityStaff("2584"), null)).GetProperty("next").GetString();

        await using var slow = new NpgsqlConnection(App.ConnectionString);
        await slow.OpenAsync();
        await using var slowTransaction = await slow.BeginTransactionAsync();
        var late = await InsertAsync(slow, slowTransaction, caseId, routeId);
        var early = await InsertCommittedAsync(caseId, routeId);

        var whileOpen = await InboxAsync(TestTokens.MunicipalityStaff("2584"), start);
        Assert.That(Items(whileOpen), Is.Empty, "a newer item waits while an older transaction is still open");

        await slowTransaction.CommitAsync();
        var afterCommit = await InboxAsync(TestTokens.MunicipalityStaff("2584"), start);
        Assert.That(Items(afterCommit).Select(i => i.GetProperty("itemId").GetGuid()), Is.EqualTo(new[] { late, early }));
    }

    [Test]
    public async Task Polling_while_items_are_added_sees_each_exactly_once()
    {
        var (caseId, routeId) = await ACaseAsync();
        var cursor = (await InboxAsync(TestTokens.MunicipalityStaff("2584"), null)).GetProperty("next").GetString();
        var written = new List<Guid>();
        var writer = Task.Run(async () =>
        {
            var random = new Random(7);
            for (var batch = 0; batch < 30; batch++)
            {
                await using var connection = new NpgsqlConnection(App.ConnectionString);
                await connection.OpenAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                for (var i = 0; i < random.Next(1, 6); i++)
                {
                    var id = await InsertAsync(connection, transaction, caseId, routeId);
                    lock (written)
                    {
                        written.Add(id);
                    }
                }
                await Task.Yield();
                await transaction.CommitAsync();
            }
        });

        var seen = new List<Guid>();
        var deadline = DateTime.UtcNow + Eventually.DefaultTimeout;
        while (!writer.IsCompleted || seen.Count < written.Count)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Polling saw {seen.Count} of {written.Count} items within {Eventually.DefaultTimeout.TotalSeconds} s (writer done: {writer.IsCompleted})");
            }
            var page = await InboxAsync(TestTokens.MunicipalityStaff("2584"), cursor, limit: 7);
            seen.AddRange(Items(page).Select(i => i.GetProperty("itemId").GetGuid()));
            cursor = page.GetProperty("next").GetString();
            if (writer.IsFaulted)
            {
                await writer;
            }
        }
        await writer;
        Assert.Multiple(() =>
        {
            Assert.That(seen, Is.Unique);
            Assert.That(seen, Is.EquivalentTo(written));
        });
    }

    [Test]
    public async Task Is_only_for_staff_and_rejects_a_forged_cursor()
    {
        using var police = App.Client(TestTokens.PoliceOfficer());
        using var forbidden = await police.GetAsync("/api/v1/inbox");
        using var staff = App.Client(TestTokens.SocialjourStaff());
        using var bad = await staff.GetAsync("/api/v1/inbox?after=bm90LWEtY3Vyc29y");
        Assert.Multiple(() =>
        {
            Assert.That(forbidden.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        });
    }

    private async Task<JsonElement> InboxAsync(string token, string? after, int limit = 100)
    {
        using var client = App.Client(token);
        var query = after is null ? $"?limit={limit}" : $"?limit={limit}&after={Uri.EscapeDataString(after)}";
        using var response = await client.GetAsync($"/api/v1/inbox{query}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return await CaseRequests.JsonAsync(response);
    }

    private static List<JsonElement> Items(JsonElement page) => [.. page.GetProperty("items").EnumerateArray()];

    /// <summary>
    /// An item shows once every transaction older than the one that wrote it has ended (that is what
    /// keeps the cursor gap-free), so a reader right after routing waits for it.
    /// </summary>
    private async Task<JsonElement> ItemForAsync(string token, Guid caseId) =>
        (await Eventually.Until(
            async () => Items(await InboxAsync(token, null)).Where(i => i.GetProperty("caseId").GetGuid() == caseId).ToList(),
            items => items.Count == 1,
            "the inbox item")).Single();

    private async Task<(Guid CaseId, long RouteId)> ACaseAsync()
    {
        var caseId = await SubmitAsync(App, null, "routine");
        await RoutedAsync(App, caseId);
        var routeId = await App.WithDbAsync(db => db.CaseRoutes.Where(r => r.CaseId == caseId).Select(r => r.Id).SingleAsync());
        return (caseId, routeId);
    }

    private static async Task<Guid> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid caseId, long routeId)
    {
        var id = Guid.CreateVersion7();
        await using var insert = new NpgsqlCommand("""
            INSERT INTO inbox_items (id, recipient_kind, recipient_municipality_code, kind, case_id, route_id, urgency, due_at, created_at)
            VALUES (@id, 'home-municipality', '2584', 'signal', @case, @route, 'routine', now(), now())
            """, connection, transaction);
        insert.Parameters.AddWithValue("id", id);
        insert.Parameters.AddWithValue("case", caseId);
        insert.Parameters.AddWithValue("route", routeId);
        await insert.ExecuteNonQueryAsync();
        return id;
    }

    private async Task<Guid> InsertCommittedAsync(Guid caseId, long routeId)
    {
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var id = await InsertAsync(connection, transaction, caseId, routeId);
        await transaction.CommitAsync();
        return id;
    }
}
