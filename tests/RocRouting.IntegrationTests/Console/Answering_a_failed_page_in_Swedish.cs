using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using RocRouting.Api.Infrastructure;

namespace RocRouting.IntegrationTests.Console;

/// <summary>
/// A page request that fails answers a person's browser with a Swedish page, never a JSON problem;
/// the JSON API's callers keep their problem details (the handler leaves them to the next one).
/// </summary>
public sealed class Answering_a_failed_page_in_Swedish
{
    private static DefaultHttpContext Request(string path, string accept)
    {
        var http = new DefaultHttpContext();
        http.Request.Path = path;
        http.Request.Headers.Accept = accept;
        http.Response.Body = new MemoryStream();
        return http;
    }

    private static string Body(HttpContext http)
    {
        http.Response.Body.Position = 0;
        return new StreamReader(http.Response.Body).ReadToEnd();
    }

    [Test]
    public async Task A_failing_page_is_a_Swedish_500_page()
    {
        var http = Request("/rosters", "text/html,application/xhtml+xml");

        var handled = await new ConsoleErrorPage(NullLogger<ConsoleErrorPage>.Instance).TryHandleAsync(http, new InvalidOperationException("a bug"), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(handled, Is.True);
            Assert.That(http.Response.StatusCode, Is.EqualTo(500));
            Assert.That(http.Response.ContentType, Does.StartWith("text/html"));
            Assert.That(Body(http), Does.Contain("<html lang=\"sv\">").And.Contain("Sidan kunde inte visas").And.Contain("felkod 500").And.Not.Contain("a bug"));
        });
    }

    [Test]
    public async Task A_failing_API_call_is_left_to_the_problem_details()
    {
        var http = Request("/api/v1/rosters/operators", "text/html");

        var handled = await new ConsoleErrorPage(NullLogger<ConsoleErrorPage>.Instance).TryHandleAsync(http, new InvalidOperationException("a bug"), CancellationToken.None);

        Assert.That(handled, Is.False);
    }

}
