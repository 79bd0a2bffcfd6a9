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

    /// <summary>The kinds of resident memory <see cref="ResidentByKind"/> tells apart, in the order it reports them.</summary>
    private static readonly string[] MemoryKinds =
        ["images_flat", "images_code", "images_data", "native_libraries", "runtime_code_and_types", "malloc_heap", "anonymous", "other"];

    /// <summary>
    /// What the resident memory is now, in MB by kind, from <c>/proc/pid/smaps</c>. A ReadyToRun assembly is
    /// mapped twice (dotnet/runtime#112901): a flat view of the file the runtime reads metadata and IL
    /// through (<c>images_flat</c>), and its sections, code and data. <c>runtime_code_and_types</c> is the
    /// runtime's double-mapped memory (jitted code, stubs, type data); <c>malloc_heap</c> glibc's arenas, the
    /// main one (<c>[heap]</c>) and the others (see <see cref="IsMallocArena"/>); <c>anonymous</c> the rest of
    /// the anonymous memory: the GC's heap, stacks and the runtime's own data.
    /// </summary>
    public IReadOnlyDictionary<string, double> ResidentByKind()
    {
        var kb = MemoryKinds.ToDictionary(k => k, _ => 0.0);
        if (_process is null || _process.HasExited)
        {
            return kb;
        }
        var mappings = new List<Mapping>();
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/smaps"))
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
            {
                continue;
            }
            if (!fields[0].EndsWith(':'))
            {
                var range = fields[0].Split('-');
                mappings.Add(new Mapping(
                    ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    fields[1], fields.Length > 5 ? fields[5].Trim() : ""));
            }
            else if (fields[0] == "Rss:" && mappings.Count > 0)
            {
                mappings[^1].RssKb = double.Parse(fields[1], CultureInfo.InvariantCulture);
            }
        }
        for (var i = 0; i < mappings.Count; i++)
        {
            var kind = IsMallocArena(mappings, i) ? "malloc_heap" : KindOf(mappings[i].Permissions, mappings[i].Path);
            kb[kind] += mappings[i].RssKb;
        }
        return kb.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value / 1024.0, 1));
    }

    private sealed record Mapping(ulong Start, ulong End, string Permissions, string Path)
    {
        public double RssKb { get; set; }
    }

    /// <summary>glibc's <c>HEAP_MAX_SIZE</c> on 64-bit systems: each arena but the main one is made of heaps this size, aligned to it.</summary>
    private const ulong ArenaHeapSize = 64UL << 20;

    /// <summary>
    /// Whether a mapping is one of glibc's arenas other than the main one: anonymous, read-write, at an
    /// address aligned to 64 MB, and with the reserved rest behind it exactly 64 MB in all. These are
    /// anonymous memory to the kernel; counted as such, a trim of them read as the GC's heap shrinking.
    /// </summary>
    private static bool IsMallocArena(List<Mapping> mappings, int i)
    {
        var m = mappings[i];
        if (m.Path.Length > 0 || m.Permissions != "rw-p" || m.Start % ArenaHeapSize != 0)
        {
            return false;
        }
        var end = i + 1 < mappings.Count && mappings[i + 1] is { Permissions: "---p", Path: "" } reserved && reserved.Start == m.End
            ? reserved.End
            : m.End;
        return end - m.Start == ArenaHeapSize;
    }

    private static string KindOf(string permissions, string path) => path switch
    {
        _ when path.EndsWith(".dll", StringComparison.Ordinal) => permissions[3] == 's' ? "images_flat" : permissions[2] == 'x' ? "images_code" : "images_data",
        _ when path.Contains(".so", StringComparison.Ordinal) => "native_libraries",
        _ when path.StartsWith("/memfd:doublemapper", StringComparison.Ordinal) => "runtime_code_and_types",
        "[heap]" => "malloc_heap",
        "" => "anonymous",
        _ => "other",
    };

    /// <summary><see cref="ResidentByKind"/> in a line of the log.</summary>
    public static string DescribeResident(IReadOnlyDictionary<string, double> mb)
    {
        ArgumentNullException.ThrowIfNull(mb);
        return $"images {mb["images_flat"]:F0} flat + {mb["images_code"]:F0} code + {mb["images_data"]:F0} data, native {mb["native_libraries"]:F0}, "
            + $"runtime's code and types {mb["runtime_code_and_types"]:F0}, malloc {mb["malloc_heap"]:F0}, anonymous {mb["anonymous"]:F0}, other {mb["other"]:F0} MB";
    }

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
