using RocRouting.Cases;

namespace RocRouting.IntegrationTests.Console;

/// <summary>The HTML as the server writes it, before a browser decodes it.</summary>
public sealed class Writing_pages_in_Swedish : ConsoleTest
{
    [Test]
    public async Task Swedish_letters_are_written_as_themselves_and_markup_in_free_text_is_still_encoded()
    {
        var (caseId, _) = await SubmitThroughApiAsync(home: null, summary: "Fiktivt: <b>Tolvan</b> & \"vän\" sågs på Södermalm.");
        var socialjour = await SignInAsync(Roles.SocialjourStaff);

        var response = await socialjour.APIRequest.GetAsync($"/cases/{caseId}");
        var html = await response.TextAsync();

        Assert.Multiple(() =>
        {
            Assert.That(response.Status, Is.EqualTo(200));
            Assert.That(html, Does.Contain("sågs på Södermalm"), "å and ö as UTF-8, not as &#xE5; and &#xF6;");
            Assert.That(html, Does.Contain("&lt;b&gt;Tolvan&lt;/b&gt; &amp; &quot;vän&quot;"));
            Assert.That(html, Does.Not.Contain("<b>Tolvan"));
        });
    }
}
