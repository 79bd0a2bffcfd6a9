using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace RocRouting.Bench;

/// <summary>What the console phase measured: page times, and routed-to-event and routed-to-visible on the open consoles.</summary>
public sealed record ConsoleFigures(Percentiles QueuePage, Percentiles CasePage, Percentiles RoutedToEvent, Percentiles RoutedToVisible, int Consoles);

/// <summary>
/// Open consoles as the browser's script behaves: signed in through the development sign-in, one
/// server-sent-events connection each, and on a "case" event the page's live regions re-read (one
/// read in flight per console, one more if events came meanwhile). A case is visible on a console
/// when the first page read that started after its event has been answered.
/// </summary>
public sealed class Consoles(Uri baseUrl, RoutedListener listener)
{
    private const string ScriptHeader = "X-Roc-Live";

    /// <summary>Half socialjour staff, half municipality staff spread over the busiest codes, so every case is on some console.</summary>
    private static readonly string[] Municipalities = ["0180", "0182", "0138", "0127", "0126", "0184", "0114", "0183", "0160", "0186"];

    public async Task<ConsoleFigures> RunAsync(int count, Func<Task<Sample[]>> load, Action<string> log)
    {
        var consoles = new List<OpenConsole>();
        for (var i = 0; i < count; i++)
        {
            var query = i % 2 == 0 ? "role=socialjour-staff" : $"role=municipality-staff&municipality={Municipalities[i / 2 % Municipalities.Length]}";
            consoles.Add(await OpenConsole.SignInAsync(baseUrl, query));
        }

        // Page time with nothing else going on: the queue of the console with the longest one (who gets the
        // warm-up's cases depends on the hour), and a case page from it.
        var longest = consoles[0];
        var most = -1;
        foreach (var console in consoles)
        {
            var cases = await console.CasesInQueueAsync();
            if (cases.Count > most)
            {
                (longest, most) = (console, cases.Count);
            }
        }
        var queueMs = new List<double>();
        for (var i = 0; i < 100; i++)
        {
            queueMs.Add(await longest.TimeGetAsync("/queue"));
        }
        var caseMs = new List<double>();
        var caseId = (await longest.CasesInQueueAsync()).FirstOrDefault();
        for (var i = 0; most > 0 && i < 100; i++)
        {
            caseMs.Add(await longest.TimeGetAsync($"/cases/{caseId}"));
        }
        var queueBytes = most == 0 ? 0 : (await longest.GetBytesAsync("/queue")).Length;
        log($"    the longest queue on a console: {most} cases, {queueBytes / 1024.0:F1} kB of HTML");
        log($"    queue page {Percentiles.Of(queueMs)}");
        log($"    case page  {Percentiles.Of(caseMs)}");

        using var stop = new CancellationTokenSource();
        var listening = consoles.Select(c => c.ListenAsync(stop.Token)).ToList();
        await Task.WhenAll(consoles.Select(c => c.Connected));
        var samples = await load();
        // The last cases' events and page reads: a few seconds at most.
        var deadline = Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < deadline && consoles.Any(c => c.Pending > 0))
        {
            await Task.Delay(50);
        }
        await stop.CancelAsync();
        await Task.WhenAll(listening);

        var accepted = samples.Where(s => s.Accepted).Select(s => s.CaseId!.Value).ToHashSet();
        var toEvent = new List<double>();
        var toVisible = new List<double>();
        foreach (var console in consoles)
        {
            foreach (var (id, (received, visible)) in console.Seen)
            {
                if (accepted.Contains(id) && listener.Routed.TryGetValue(id, out var routed))
                {
                    toEvent.Add(Math.Max(0, Stopwatch.GetElapsedTime(routed, received).TotalMilliseconds));
                    if (visible > 0)
                    {
                        toVisible.Add(Math.Max(0, Stopwatch.GetElapsedTime(routed, visible).TotalMilliseconds));
                    }
                }
            }
            console.Dispose();
        }
        return new ConsoleFigures(Percentiles.Of(queueMs), Percentiles.Of(caseMs), Percentiles.Of(toEvent), Percentiles.Of(toVisible), count);
    }

    private sealed class OpenConsole : IDisposable
    {
        private readonly HttpClient _http;
        private readonly string _page;
        private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly SemaphoreSlim _wake = new(0);

        // Events received and not yet on screen: case id and when its "routed" event came.
        private readonly ConcurrentDictionary<Guid, long> _pending = new();

        private OpenConsole(HttpClient http, string page)
        {
            _http = http;
            _page = page;
        }

        public Task Connected => _connected.Task;

        public int Pending => _pending.Count;

        public ConcurrentDictionary<Guid, (long Received, long Visible)> Seen { get; } = new();

        public static async Task<OpenConsole> SignInAsync(Uri baseUrl, string query)
        {
            var http = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), UseCookies = true, AllowAutoRedirect = true })
            {
                BaseAddress = baseUrl,
                Timeout = TimeSpan.FromSeconds(30),
            };
            using var response = await http.GetAsync($"/dev/sign-in?{query}");
            response.EnsureSuccessStatusCode();
            return new OpenConsole(http, response.RequestMessage!.RequestUri!.AbsolutePath);
        }

        public async Task<double> TimeGetAsync(string path)
        {
            var start = Stopwatch.GetTimestamp();
            using var response = await _http.GetAsync(path);
            await response.Content.ReadAsByteArrayAsync();
            response.EnsureSuccessStatusCode();
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        public Task<byte[]> GetBytesAsync(string path) => _http.GetByteArrayAsync(path);

        public async Task<List<Guid>> CasesInQueueAsync()
        {
            const string link = "href=\"/cases/";
            var html = await _http.GetStringAsync("/queue");
            var ids = new List<Guid>();
            for (var at = html.IndexOf(link, StringComparison.Ordinal); at >= 0; at = html.IndexOf(link, at + 1, StringComparison.Ordinal))
            {
                if (Guid.TryParse(html.AsSpan(at + link.Length, 36), out var id))
                {
                    ids.Add(id);
                }
            }
            return ids;
        }

        public async Task ListenAsync(CancellationToken stop)
        {
            var reading = ReadEventsAsync(stop);
            var refreshing = RefreshLoopAsync(stop);
            await Task.WhenAll(reading, refreshing);
        }

        private async Task ReadEventsAsync(CancellationToken stop)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/live");
                request.Headers.Add(ScriptHeader, "1");
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop);
                response.EnsureSuccessStatusCode();
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop));
                string? type = null, data = null;
                while (await reader.ReadLineAsync(stop) is { } line)
                {
                    if (line.StartsWith("event:", StringComparison.Ordinal))
                    {
                        type = line[6..].Trim();
                    }
                    else if (line.StartsWith("data:", StringComparison.Ordinal))
                    {
                        data = line[5..].Trim();
                    }
                    else if (line.Length == 0)
                    {
                        Dispatch(type, data);
                        (type, data) = (null, null);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }

        private void Dispatch(string? type, string? data)
        {
            if (type == "hello")
            {
                _connected.TrySetResult();
                return;
            }
            if (type != "case" || data is null)
            {
                return;
            }
            using var json = JsonDocument.Parse(data);
            var root = json.RootElement;
            if (root.GetProperty("kind").GetString() == "routed")
            {
                var id = root.GetProperty("caseId").GetGuid();
                var now = Stopwatch.GetTimestamp();
                Seen.TryAdd(id, (now, 0));
                _pending.TryAdd(id, now);
            }
            _wake.Release();
        }

        /// <summary>The script's refresh: one read in flight; events that came meanwhile make one more.</summary>
        private async Task RefreshLoopAsync(CancellationToken stop)
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await _wake.WaitAsync(stop);
                    while (_wake.CurrentCount > 0)
                    {
                        await _wake.WaitAsync(stop);
                    }
                    var started = Stopwatch.GetTimestamp();
                    using var request = new HttpRequestMessage(HttpMethod.Get, _page);
                    request.Headers.Add(ScriptHeader, "1");
                    using var response = await _http.SendAsync(request, stop);
                    await response.Content.ReadAsByteArrayAsync(stop);
                    var done = Stopwatch.GetTimestamp();
                    foreach (var (id, received) in _pending)
                    {
                        if (received <= started && _pending.TryRemove(id, out _))
                        {
                            Seen[id] = (received, done);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }

        public void Dispose()
        {
            _http.Dispose();
            _wake.Dispose();
        }
    }
}
