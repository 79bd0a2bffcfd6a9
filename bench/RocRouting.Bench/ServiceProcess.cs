using System.Diagnostics;
using System.Globalization;

namespace RocRouting.Bench;

/// <summary>The API or the worker as its own process, started as run.sh starts it, output to a log file.</summary>
public sealed class ServiceProcess(string name, string dll, IReadOnlyDictionary<string, string> environment, string logPath, string args = "")
{
    private Process? _process;

    public string Name => name;

    public int Pid => _process?.Id ?? 0;

    public void Start()
    {
        // exec: the shell becomes dotnet, so the pid is the service's own (for RSS and signals).
        var start = new ProcessStartInfo("bash", ["-c", $"exec dotnet \"{dll}\" {args} >> \"{logPath}\" 2>&1"])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            UseShellExecute = false,
        };
        foreach (var (k, v) in environment)
        {
            start.Environment[k] = v;
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start");
    }

    public async Task<int> RunToEndAsync(TimeSpan timeout)
    {
        Start();
        using var cts = new CancellationTokenSource(timeout);
        await _process!.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as a deploy or an orchestrator stops it; waits for a graceful exit.</summary>
    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Peak resident set size so far (VmHWM), in MB.</summary>
    public double PeakRssMb() => ReadStatusKb("VmHWM:") / 1024.0;

    public double RssMb() => ReadStatusKb("VmRSS:") / 1024.0;

    /// <summary>What the resident memory is now: anonymous (heaps, JIT code) and file-backed (mapped assemblies, shared with other processes).</summary>
    public string RssBreakdown() => $"anon {ReadStatusKb("RssAnon:") / 1024.0:F0} MB, files {ReadStatusKb("RssFile:") / 1024.0:F0} MB";

    /// <summary>Starts a new peak (Linux: "5" to clear_refs resets VmHWM to the current RSS), so each trial has its own.</summary>
    public void ResetPeakRss()
    {
        if (_process is { HasExited: false })
        {
            File.WriteAllText($"/proc/{_process.Id}/clear_refs", "5");
        }
    }

    private double ReadStatusKb(string field)
    {
        if (_process is null || _process.HasExited)
        {
            return 0;
        }
        var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
