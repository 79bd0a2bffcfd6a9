using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RocRouting.Bench;

/// <summary>
/// Waits for a <see cref="Stopwatch"/> timestamp on the calling thread, without spinning. The load
/// generator used <c>Task.Delay</c>, which counts whole milliseconds and resumes on a pool thread that
/// must first be woken: measured, its requests left 2.1 ms after they were due at p50 and 6.3 ms at p95
/// at 50/s, and that lateness was counted as the service's latency. On Linux, where
/// <see cref="Stopwatch"/> reads <c>CLOCK_MONOTONIC</c> in nanoseconds, <c>clock_nanosleep</c> sleeps to the
/// instant itself; elsewhere whole milliseconds have to do.
/// </summary>
public static partial class Pacer
{
    private const int ClockMonotonic = 1;
    private const int AbsoluteTime = 1;
    private const int Interrupted = 4;

    private static readonly bool Precise = OperatingSystem.IsLinux() && Stopwatch.Frequency == 1_000_000_000;

    public static void SleepUntil(long timestamp)
    {
        if (Precise)
        {
            var until = new TimeSpec { Seconds = timestamp / 1_000_000_000, Nanoseconds = timestamp % 1_000_000_000 };
            while (ClockNanosleep(ClockMonotonic, AbsoluteTime, ref until, IntPtr.Zero) == Interrupted)
            {
            }
            return;
        }
        while (Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp) is { Ticks: > 0 } wait)
        {
            Thread.Sleep(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    private static partial int ClockNanosleep(int clock, int flags, ref TimeSpec request, IntPtr remaining);
}
