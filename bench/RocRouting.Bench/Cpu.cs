using System.Diagnostics;
using System.Globalization;

namespace RocRouting.Bench;

/// <summary>
/// CPU time by component (API, worker, PostgreSQL, RabbitMQ, this load generator) between two
/// snapshots, from /proc: where a case's cost goes when the machine is the limit.
/// </summary>
public static class Cpu
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public sealed record Snapshot(IReadOnlyDictionary<string, double> Seconds, double MachineBusySeconds, long At);

    public static Snapshot Take(ServiceProcess api, ServiceProcess worker)
    {
        var seconds = new Dictionary<string, double>
        {
            ["api"] = ProcessSeconds(api.Pid),
            ["worker"] = ProcessSeconds(worker.Pid),
            ["postgres"] = 0,
            ["rabbitmq"] = 0,
            ["bench"] = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
        };
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            var comm = TryRead(Path.Combine(dir, "comm"))?.Trim();
            var component = comm switch
            {
                "postgres" => "postgres",
                "beam.smp" or "erl_child_setup" or "epmd" => "rabbitmq",
                _ => null,
            };
            if (component is not null)
            {
                seconds[component] += ProcessSeconds(pid);
            }
        }
        return new(seconds, MachineBusySeconds(), Stopwatch.GetTimestamp());
    }

    /// <summary>Milliseconds of CPU per case for each component, and how busy the machine was (cores).</summary>
    public static (Dictionary<string, double> MsPerCase, double BusyCores) Between(Snapshot before, Snapshot after, int cases)
    {
        var perCase = after.Seconds.ToDictionary(
            kv => kv.Key,
            kv => Math.Round((kv.Value - before.Seconds.GetValueOrDefault(kv.Key)) * 1000 / Math.Max(1, cases), 3));
        var wall = Stopwatch.GetElapsedTime(before.At, after.At).TotalSeconds;
        return (perCase, Math.Round((after.MachineBusySeconds - before.MachineBusySeconds) / wall, 2));
    }

    /// <summary>Milliseconds of CPU per second of wall time for each component (1,000 is one core).</summary>
    public static Dictionary<string, double> PerSecond(Snapshot before, Snapshot after)
    {
        var wall = Stopwatch.GetElapsedTime(before.At, after.At).TotalSeconds;
        return after.Seconds.ToDictionary(kv => kv.Key, kv => Math.Round((kv.Value - before.Seconds.GetValueOrDefault(kv.Key)) * 1000 / wall, 1));
    }

    public static string Describe(Dictionary<string, double> msPerCase, double busyCores) =>
        string.Join(", ", msPerCase.Select(kv => $"{kv.Key} {kv.Value:F2}")) + $" ms CPU per case (total {msPerCase.Values.Sum():F2}); machine busy {busyCores:F2} of {Environment.ProcessorCount} cores";

    private static double ProcessSeconds(int pid)
    {
        // Fields after the command name (which may hold spaces): utime, stime, then cutime and cstime, the
        // CPU of children that exited (PostgreSQL backends closed by a pool show up in the postmaster's).
        var stat = pid == 0 ? null : TryRead($"/proc/{pid}/stat");
        if (stat is null)
        {
            return 0;
        }
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields[11..15].Sum(f => long.Parse(f, CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    private static double MachineBusySeconds()
    {
        // First line of /proc/stat: cpu user nice system idle iowait irq softirq steal ...
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..]
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var idle = fields[3] + fields[4];
        return (fields.Take(8).Sum() - idle) / TicksPerSecond;
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null; // the process ended meanwhile
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
