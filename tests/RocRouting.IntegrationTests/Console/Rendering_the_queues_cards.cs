using Microsoft.Extensions.DependencyInjection;
using RocRouting.Api.Console;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;

namespace RocRouting.IntegrationTests.Console;

/// <summary>The cards every open console lists, rendered once per version of a case (<see cref="QueueCards"/>).</summary>
public sealed class Rendering_the_queues_cards : ConsoleTest
{
    private static QueueRow Row(string? reference = "TEST-CARD-1") => new(
        Guid.CreateVersion7(), Urgency.Immediate, CaseCategory.Recruitment, CaseStatus.Routed, Escalated: false,
        AcknowledgeBy: new DateTimeOffset(2026, 12, 5, 1, 15, 0, TimeSpan.Zero), AcknowledgedAt: null,
        HomeMunicipalityCode: "0138", FoundInMunicipalityCode: "0180", SubmittedAt: new DateTimeOffset(2026, 12, 5, 1, 0, 0, TimeSpan.Zero),
        PoliceReference: reference);

    [Test]
    public async Task A_case_read_again_gets_the_card_already_rendered()
    {
        var cards = App.Api.Services.GetRequiredService<QueueCards>();
        var row = Row();

        var first = await cards.HtmlAsync([row]);
        var second = await cards.HtmlAsync([row with { }]);

        Assert.Multiple(() =>
        {
            Assert.That(second[0].Value, Is.SameAs(first[0].Value), "the same string, not a second rendering");
            Assert.That(first[0].Value, Does.Contain($"href=\"/cases/{row.Id}\"").And.Contain("Tyresö").And.Contain("Skickat till mottagare")
                .And.Contain("class=\"countdown\"").And.Contain("TEST-CARD-1"));
        });
    }

    [Test]
    public async Task A_changed_case_gets_a_new_card_showing_the_change()
    {
        var cards = App.Api.Services.GetRequiredService<QueueCards>();
        var row = Row();
        var acknowledged = row with { Status = CaseStatus.Acknowledged, AcknowledgedAt = row.AcknowledgeBy!.Value.AddMinutes(-5), Escalated = true };

        var before = (await cards.HtmlAsync([row]))[0].Value;
        var after = (await cards.HtmlAsync([row, acknowledged]))[1].Value;

        Assert.Multiple(() =>
        {
            Assert.That(after, Does.Contain("Kvitterat · Larmat till driften"));
            Assert.That(after, Does.Not.Contain("countdown"), "an acknowledged case's deadline no longer runs");
            Assert.That(before, Does.Contain("Skickat till mottagare").And.Contain("countdown"), "the earlier version's card is left as it was");
        });
    }

    [Test]
    public async Task Free_text_in_a_card_is_encoded()
    {
        var cards = App.Api.Services.GetRequiredService<QueueCards>();

        var html = (await cards.HtmlAsync([Row("<script>x</script> & \"ö\"")]))[0].Value;

        Assert.That(html, Does.Contain("&lt;script&gt;x&lt;/script&gt; &amp; &quot;ö&quot;").And.Not.Contain("<script>"));
    }

    [Test]
    public async Task A_full_cache_starts_afresh_rather_than_grow()
    {
        var cards = App.Api.Services.GetRequiredService<QueueCards>();

        await cards.HtmlAsync([.. Enumerable.Range(0, QueueCards.MaxCards + 1).Select(_ => Row())]);

        Assert.That(cards.Count, Is.LessThanOrEqualTo(QueueCards.MaxCards + 1));
        await cards.HtmlAsync([Row()]);
        Assert.That(cards.Count, Is.EqualTo(1));
    }
}
