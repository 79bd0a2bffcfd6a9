using System.Diagnostics;

namespace RocRouting.Bench;

/// <summary>Latency over time and its distribution for the steady-rate phase, as PNGs beside the JSON (and as the
/// latest charts when every phase ran, as latest.json is).</summary>
public static class Charts
{
    public static void Write(string directory, string stamp, Sample[] steady, double rate, RoutedListener listener, bool latest)
    {
        var accepted = steady.Where(s => s.Accepted).ToArray();
        if (accepted.Length == 0)
        {
            return;
        }
        var start = accepted.Min(s => s.DueAt);
        double Seconds(long t) => Stopwatch.GetElapsedTime(start, t).TotalSeconds;
        var routed = accepted.Where(s => listener.Routed.ContainsKey(s.CaseId!.Value)).ToArray();
        var routeMs = routed.Select(s => Stopwatch.GetElapsedTime(s.DueAt, listener.Routed[s.CaseId!.Value]).TotalMilliseconds).ToArray();
        var submitMs = accepted.Select(s => Stopwatch.GetElapsedTime(s.DueAt, s.AnsweredAt).TotalMilliseconds).ToArray();

        var overTime = new ScottPlot.Plot();
        var routeSeries = overTime.Add.ScatterPoints(routed.Select(s => Seconds(s.DueAt)).ToArray(), routeMs);
        routeSeries.LegendText = "submit to routed";
        var submitSeries = overTime.Add.ScatterPoints(accepted.Select(s => Seconds(s.DueAt)).ToArray(), submitMs);
        submitSeries.LegendText = "submit to 202";
        overTime.Title($"Latency over time, open loop at {rate} cases/s");
        overTime.XLabel("seconds into the phase");
        overTime.YLabel("ms");
        overTime.ShowLegend();
        Save(overTime, directory, stamp, "latency-over-time", latest);

        var distribution = new ScottPlot.Plot();
        var histogram = ScottPlot.Statistics.Histogram.WithBinCount(50, routeMs);
        distribution.Add.Histogram(histogram);
        distribution.Title($"Submit-to-routed latency distribution at {rate} cases/s (n={routeMs.Length})");
        distribution.XLabel("ms");
        distribution.YLabel("cases");
        Save(distribution, directory, stamp, "latency-distribution", latest);
    }

    private static void Save(ScottPlot.Plot plot, string directory, string stamp, string name, bool latest)
    {
        plot.SavePng(Path.Combine(directory, $"{stamp}-{name}.png"), 1000, 600);
        if (latest)
        {
            plot.SavePng(Path.Combine(directory, $"latest-{name}.png"), 1000, 600);
        }
    }
}
