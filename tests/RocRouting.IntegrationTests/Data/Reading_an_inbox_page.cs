using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Data;

/// <summary>
/// Until 2026-12-05 an inbox page compared the recipient with <c>IS NOT DISTINCT FROM</c>, which no
/// index answers: every page read every inbox item and sorted them.
/// </summary>
public sealed class Reading_an_inbox_page : SharedAppTest
{
    [TestCase("home-municipality", "ix_inbox_items_recipient_municipality_code_tx_id_id")]
    [TestCase("social-emergency-service", "ix_inbox_items_recipient_service_id_tx_id_id")]
    public async Task Reads_its_recipients_index_in_order(string kind, string index)
    {
        var recipient = kind == "home-municipality" ? Recipient.HomeMunicipality("0180") : Recipient.SocialEmergencyService("stockholm");
        var plans = await QueryPlans.OfAsync(App.ConnectionString, async db =>
        {
            await db.InboxPageAsync(recipient, after: null, 50, CancellationToken.None);
            await db.InboxPageAsync(recipient, after: (1, Guid.Empty), 50, CancellationToken.None);
        });

        Assert.Multiple(() =>
        {
            Assert.That(plans[0], Does.Contain($"Index Scan Backward using {index}"), "the newest page");
            Assert.That(plans[1], Does.Contain($"Index Scan using {index}"), "the page after a cursor");
            Assert.That(plans[0] + plans[1], Does.Not.Contain("Seq Scan").And.Not.Contain("Sort"));
        });
    }
}
