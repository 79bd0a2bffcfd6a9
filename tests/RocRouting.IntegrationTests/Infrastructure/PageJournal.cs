using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Playwright;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>
/// What one person's browser did, for the output of a browser test that fails: each request with its
/// answer or failure, the live feed's messages as the page received them, and the page's own errors.
/// A live update that never reached the screen is otherwise a bare "expected X, was Y"; with this, the
/// output shows whether the event came, whether the page asked again, and what it was answered.
/// Paths and ids only: the console's URLs carry no personal data, and bodies are not recorded.
/// </summary>
public sealed class PageJournal
{
    // Logs each live-feed message as the page receives it, before the console's own listeners run.
    private const string LiveFeedProbe = """
        (() => {
          const Original = window.EventSource;
          if (!Original) return;
          function Probed(url, init) {
            const source = new Original(url, init);
            for (const type of ['hello', 'case', 'ping']) {
              source.addEventListener(type, (m) => {
                let what = '';
                try { const e = JSON.parse(m.data); what = e.kind ? e.kind + ' ' + e.caseId : ''; } catch { }
                console.debug('[live] ' + type + ' ' + (m.lastEventId || '') + ' ' + what);
              });
            }
            source.addEventListener('error', () => console.debug('[live] error, readyState ' + source.readyState));
            return source;
          }
          Probed.prototype = Original.prototype;
          for (const name of ['CONNECTING', 'OPEN', 'CLOSED']) Probed[name] = Original[name];
          window.EventSource = Probed;
        })();
        """;

    private readonly ConcurrentQueue<string> _lines = new();

    private PageJournal(string person) => Person = person;

    public string Person { get; }

    public IEnumerable<string> Lines => _lines;

    public static async Task<PageJournal> AttachAsync(IPage page, string person)
    {
        var journal = new PageJournal(person);
        await page.Context.AddInitScriptAsync(LiveFeedProbe);
        page.Request += (_, r) => journal.Add($"→ {r.Method} {PathOf(r.Url)}{(IsLiveReRead(r) ? " (re-read)" : "")}");
        page.Response += (_, r) => journal.Add($"← {r.Status} {r.Request.Method} {PathOf(r.Url)}");
        page.RequestFailed += (_, r) => journal.Add($"✘ {r.Method} {PathOf(r.Url)}: {r.Failure}");
        page.Console += (_, m) => journal.Add($"console {m.Type}: {m.Text}");
        page.PageError += (_, e) => journal.Add($"page error: {e}");
        return journal;
    }

    /// <summary>Whether the page asked for this because the live feed said its content changed (console.js marks those).</summary>
    public static bool IsLiveReRead(IRequest request) => request.Headers.ContainsKey("x-roc-live");

    // UTC time of day, as the services' log lines have it.
    private void Add(string line) => _lines.Enqueue(DateTime.UtcNow.ToString("HH:mm:ss.fff ", CultureInfo.InvariantCulture) + line);

    private static string PathOf(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.PathAndQuery : url;
}
