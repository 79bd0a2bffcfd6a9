using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Data;

/// <summary>
/// Until 2026-12-06 a queue page sorted every open case of its recipient by urgency, taken or not, and
/// deadline, to return the first 200: with the socialjour's thousands of open cases in the benchmark, that
/// sort, once per console per event, was most of PostgreSQL's work while consoles listened. The queue's
/// index now holds the cases in that order, so a page is its first rows, with or without filters.
/// </summary>
public sealed class Reading_a_queue_page : SharedAppTest
{
    [TestCase("home-municipality", "ix_cases_queue_municipality")]
    [TestCase("social-emergency-service", "ix_cases_queue_service")]
    public async Task Reads_its_recipients_index_in_order(string kind, string index)
    {
        var recipient = kind == "home-municipality" ? Recipient.HomeMunicipality("0180") : Recipient.SocialEmergencyService("stockholm");
        var plans = await QueryPlans.OfAsync(App.ConnectionString, async db =>
        {
            await db.QueueAsync(recipient, [], [], 0, 200, CancellationToken.None);
            await db.QueueAsync(recipient, [CaseStatus.Routed, CaseStatus.Overdue], [Urgency.Immediate], 50, 50, CancellationToken.None);
        });

        Assert.Multiple(() =>
        {
            Assert.That(plans[0], Does.Contain($"Index Scan using {index}"), "the console's page");
            Assert.That(plans[1], Does.Contain($"Index Scan using {index}"), "a filtered page further on");
            Assert.That(plans[0] + plans[1], Does.Not.Contain("Seq Scan").And.Not.Contain("Sort"));
        });
    }
}
