using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Data;

/// <summary>
/// A page is the first rows of an index, however many rows there are to page through. Until
/// 2026-12-05 an inbox page compared the recipient with <c>IS NOT DISTINCT FROM</c>, which no index
/// answers, so every page read every inbox item and sorted them; until 2026-12-06 a queue page sorted
/// every open case of its recipient by urgency, taken or not, and deadline to return the first 200 (with
/// the socialjour's thousands of open cases in the benchmark, that sort, once per console per event, was
/// most of PostgreSQL's work while consoles listened), and a case page read every case about the same
/// child to show the twenty newest.
/// </summary>
public sealed class Reading_a_page : SharedAppTest
{
    [TestCase("home-municipality", "ix_inbox_items_recipient_municipality_code_tx_id_id")]
    [TestCase("social-emergency-service", "ix_inbox_items_recipient_service_id_tx_id_id")]
    public async Task Of_a_recipients_inbox_reads_its_index_in_order(string kind, string index)
    {
        var plans = await QueryPlans.OfAsync(App.ConnectionString, async db =>
        {
            await db.InboxPageAsync(Of(kind), after: null, 50, CancellationToken.None);
            await db.InboxPageAsync(Of(kind), after: (1, Guid.Empty), 50, CancellationToken.None);
        });

        Assert.Multiple(() =>
        {
            Assert.That(plans[0], Does.Contain($"Index Scan Backward using {index}"), "the newest page");
            Assert.That(plans[1], Does.Contain($"Index Scan using {index}"), "the page after a cursor");
            Assert.That(plans[0] + plans[1], Does.Not.Contain("Seq Scan").And.Not.Contain("Sort"));
        });
    }

    [TestCase("home-municipality", "ix_cases_queue_municipality")]
    [TestCase("social-emergency-service", "ix_cases_queue_service")]
    public async Task Of_a_recipients_queue_reads_its_index_in_order(string kind, string index)
    {
        var plans = await QueryPlans.OfAsync(App.ConnectionString, async db =>
        {
            await db.QueueAsync(Of(kind), [], [], 0, 200, CancellationToken.None);
            await db.QueueAsync(Of(kind), [CaseStatus.Routed, CaseStatus.Overdue], [Urgency.Immediate], 50, 50, CancellationToken.None);
        });

        Assert.Multiple(() =>
        {
            Assert.That(plans[0], Does.Contain($"Index Scan using {index}"), "the console's page");
            Assert.That(plans[1], Does.Contain($"Index Scan using {index}"), "a filtered page further on");
            Assert.That(plans[0] + plans[1], Does.Not.Contain("Seq Scan").And.Not.Contain("Sort"));
        });
    }

    [Test]
    public async Task Of_a_childs_earlier_cases_reads_the_childs_index_in_order()
    {
        var reader = CaseReader.OnDutyFor("p-tolvan-test", Recipient.SocialEmergencyService("stockholm"));
        var @case = CaseLifecycle.AsSubmitted(new CaseSubmitted
        {
            CaseId = Guid.NewGuid(), Urgency = Urgency.Urgent, Category = CaseCategory.AbscondedFromCare,
            FoundInMunicipalityCode = "0180", SubmittedAt = DateTimeOffset.UtcNow,
        });
        var plans = await QueryPlans.OfAsync(App.ConnectionString, db =>
            db.EarlierCases([1, 2, 3], @case, reader).Take(20).Select(c => c.Id).ToListAsync());

        Assert.That(plans[0], Does.Contain("Index Scan Backward using ix_cases_child_key_submitted_at").And.Not.Contain("Sort"));
    }

    private static Recipient Of(string kind) =>
        kind == "home-municipality" ? Recipient.HomeMunicipality("0180") : Recipient.SocialEmergencyService("stockholm");
}
