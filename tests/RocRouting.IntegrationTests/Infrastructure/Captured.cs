using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>
/// Everything the processes under test say outside their database: every log line (message,
/// state values, exception) of the API and the worker, and every activity (name, tags, events)
/// in this process. Tests scan it for personal data.
/// </summary>
public static class Captured
{
    private static readonly ConcurrentQueue<Span> SpanQueue = new();

    private static readonly ActivityListener Listener = new()
    {
        ShouldListenTo = _ => true,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        ActivityStopped = activity =>
        {
            Add($"activity {activity.Source.Name} {activity.DisplayName} {string.Join(" ", activity.TagObjects.Select(t => $"{t.Key}={t.Value}"))} "
                + string.Join(" ", activity.Events.Select(e => e.Name + string.Join(" ", e.Tags.Select(t => $"{t.Key}={t.Value}")))));
            SpanQueue.Enqueue(new Span(
                activity.TraceId.ToString(),
                activity.Source.Name,
                activity.DisplayName,
                activity.TagObjects.Where(t => t.Value is not null).GroupBy(t => t.Key).ToDictionary(g => g.Key, g => g.Last().Value!.ToString()!)));
            while (SpanQueue.Count > 100_000 && SpanQueue.TryDequeue(out _))
            {
            }
        },
    };

    /// <summary>A finished span as the tests look at it.</summary>
    public sealed record Span(string TraceId, string Source, string Name, IReadOnlyDictionary<string, string> Tags)
    {
        public string? Tag(string key) => Tags.TryGetValue(key, out var value) ? value : null;
    }

    /// <summary>The spans finished so far (the most recent 100,000).</summary>
    public static IReadOnlyList<Span> Spans() => [.. SpanQueue];

    private static readonly ConcurrentQueue<string> Lines = new();

    static Captured() => ActivitySource.AddActivityListener(Listener);

    public static ILoggerProvider LoggerProvider { get; } = new Provider();

    public static IReadOnlyList<string> Snapshot() => [.. Lines];

    public static void Clear() => Lines.Clear();

    private static void Add(string line)
    {
        Lines.Enqueue(line);
        // Bounded: the whole run logs a lot; the tests only look at what happened just before.
        while (Lines.Count > 200_000 && Lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Provider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class Logger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            Add($"scope {category} {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            Add($"log {logLevel} {category} {formatter(state, exception)} {values} {exception}");
        }
    }
}
