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

    public sealed record Snapshot(IReadOnlyDictionary<string, double> Seconds, double MachineBusySeconds, double MachineStolenSeconds, long At);

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
        var (busy, stolen) = MachineSeconds();
        return new(seconds, busy, stolen, Stopwatch.GetTimestamp());
    }

    /// <summary>
    /// Milliseconds of CPU per case for each component, how busy the machine was (cores), and how much of
    /// that the hypervisor took for other guests (steal): a phase with steal ran on a slower machine.
    /// </summary>
    public static (Dictionary<string, double> MsPerCase, double BusyCores, double StolenCores) Between(Snapshot before, Snapshot after, int cases)
    {
        var perCase = after.Seconds.ToDictionary(
            kv => kv.Key,
            kv => Math.Round((kv.Value - before.Seconds.GetValueOrDefault(kv.Key)) * 1000 / Math.Max(1, cases), 3));
        var wall = Stopwatch.GetElapsedTime(before.At, after.At).TotalSeconds;
        return (perCase, Math.Round((after.MachineBusySeconds - before.MachineBusySeconds) / wall, 2),
            Math.Round((after.MachineStolenSeconds - before.MachineStolenSeconds) / wall, 2));
    }

    /// <summary>Milliseconds of CPU per second of wall time for each component (1,000 is one core).</summary>
    public static Dictionary<string, double> PerSecond(Snapshot before, Snapshot after)
    {
        var wall = Stopwatch.GetElapsedTime(before.At, after.At).TotalSeconds;
        return after.Seconds.ToDictionary(kv => kv.Key, kv => Math.Round((kv.Value - before.Seconds.GetValueOrDefault(kv.Key)) * 1000 / wall, 1));
    }

    public static string Describe(Dictionary<string, double> msPerCase, double busyCores, double stolenCores) =>
        string.Join(", ", msPerCase.Select(kv => $"{kv.Key} {kv.Value:F2}")) + $" ms CPU per case (total {msPerCase.Values.Sum():F2}); machine busy {busyCores:F2} of {Environment.ProcessorCount} cores, {stolenCores:F2} of them stolen by the hypervisor";

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

    private static (double Busy, double Stolen) MachineSeconds()
    {
        // First line of /proc/stat: cpu user nice system idle iowait irq softirq steal ... Busy counts steal,
        // as it always has, so figures compare with earlier runs; steal is reported beside it.
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..]
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var idle = fields[3] + fields[4];
        return ((fields.Take(8).Sum() - idle) / TicksPerSecond, fields[7] / TicksPerSecond);
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
