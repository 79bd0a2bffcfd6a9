using System.Runtime.InteropServices;
using RocRouting.Hosting;

namespace RocRouting.IntegrationTests.Hosting;

/// <summary>
/// What glibc's <c>malloc</c> keeps after it is freed is handed back to the system by the services'
/// trim (README, Performance): the entry point must exist on the systems the service runs on, and
/// must give back pages that <c>free</c> alone keeps resident.
/// </summary>
public sealed class Trimming_native_memory
{
    [Test]
    public void Gives_back_pages_that_free_alone_keeps()
    {
        Assume.That(OperatingSystem.IsLinux(), "glibc's allocator");
        const int blocks = 16_384;
        const int blockSize = 4096; // under glibc's mmap threshold: the blocks live in an arena
        var ones = Enumerable.Repeat((byte)1, blockSize).ToArray();
        var allocated = new nint[blocks];
        for (var i = 0; i < blocks; i++)
        {
            allocated[i] = Marshal.AllocHGlobal(blockSize); // malloc on Linux
            Marshal.Copy(ones, 0, allocated[i], blockSize);
        }
        // The last block stays, so the arena's top is in use and free cannot shrink it by itself.
        for (var i = 0; i < blocks - 1; i++)
        {
            Marshal.FreeHGlobal(allocated[i]);
        }
        try
        {
            var before = ResidentKb();
            var released = NativeMemoryTrim.TrimNow();
            var after = ResidentKb();

            Assert.Multiple(() =>
            {
                Assert.That(released, Is.True);
                Assert.That(before - after, Is.GreaterThan(blocks * blockSize / 1024 / 2), $"resident {before} → {after} kB");
            });
        }
        finally
        {
            Marshal.FreeHGlobal(allocated[blocks - 1]);
        }
    }

    private static long ResidentKb() =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
}
