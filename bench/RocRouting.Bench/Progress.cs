using System.Diagnostics;

namespace RocRouting.Bench;

/// <summary>A line every two seconds while a phase runs: sent, answered, accepted, routed.</summary>
public sealed class Progress(RoutedListener listener)
{
    private string? _phase;
    private Sample[]? _samples;
    private long _started;

    public async Task<T> RunAsync<T>(string phase, Func<Task<T>> run)
    {
        _phase = phase;
        _samples = null;
        _started = Stopwatch.GetTimestamp();
        try
        {
            return await run();
        }
        finally
        {
            _phase = null;
        }
    }

    public void Track(Sample[] samples) => _samples = samples;

    public void Print()
    {
        if (_phase is null)
        {
            return;
        }
        var samples = _samples ?? [];
        var sent = samples.Count(s => s is not null);
        var answered = samples.Count(s => s is { AnsweredAt: > 0 });
        var accepted = samples.Count(s => s is { Accepted: true });
        var routed = samples.Count(s => s is { Accepted: true } && listener.Routed.ContainsKey(s.CaseId!.Value));
        Console.WriteLine($"      [{_phase}] {Stopwatch.GetElapsedTime(_started).TotalSeconds,5:F0} s  sent {sent,6}  answered {answered,6}  accepted {accepted,6}  routed {routed,6}");
    }
}
