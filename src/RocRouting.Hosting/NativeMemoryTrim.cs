using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace RocRouting.Hosting;

/// <summary>Section <c>Memory</c>.</summary>
public sealed class NativeMemoryOptions
{
    /// <summary>How often the process hands the C allocator's free pages back to the system; zero turns it off.</summary>
    public TimeSpan TrimInterval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Gives the memory that glibc's <c>malloc</c> keeps after it is freed back to the system, now and then.
/// What the runtime, the JIT and the native libraries allocate and free stays resident in <c>malloc</c>'s
/// arenas: glibc returns only the top of an arena, and raises its thresholds after a large block is freed,
/// so a process that once needed more keeps it for good. <c>malloc_trim</c> releases the free pages
/// anywhere in the arenas, on a timer as the JVM's <c>-XX:TrimNativeHeapInterval</c> does. It holds each
/// arena's lock while it walks that arena's free chunks (about a millisecond here at 50 cases/s, tens of
/// milliseconds right after start-up), so it runs seldom rather than after every collection. Off where
/// the C library has no <c>malloc_trim</c> (musl, other systems).
/// </summary>
public sealed partial class NativeMemoryTrim(IOptions<NativeMemoryOptions> options, ILogger<NativeMemoryTrim> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.TrimInterval;
        if (interval <= TimeSpan.Zero || !OperatingSystem.IsLinux())
        {
            return;
        }
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var released = TrimNow();
                var milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                LogTrimmed(logger, released, milliseconds);
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                LogUnavailable(logger);
                return;
            }
        }
    }

    /// <summary>
    /// Hands <c>malloc</c>'s free pages back to the system now; false when it had none to give. Throws
    /// <see cref="EntryPointNotFoundException"/> or <see cref="DllNotFoundException"/> where the C library has no <c>malloc_trim</c>.
    /// </summary>
    public static bool TrimNow() => MallocTrim(0) != 0;

    // A blittable signature: DllImport needs no generated marshalling for it.
    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Native memory trimmed (released: {Released}) in {Milliseconds} ms")]
    private static partial void LogTrimmed(ILogger logger, bool released, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "The C library has no malloc_trim; native memory is left to it")]
    private static partial void LogUnavailable(ILogger logger);
}
