using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Hosting;

/// <summary>The worker serves no HTTP: a container runtime probes its health by the age of two files.</summary>
public sealed class Probing_a_worker : SharedAppTest
{
    [Test]
    public async Task A_working_worker_keeps_its_alive_and_ready_files_fresh()
    {
        var directory = Directory.CreateTempSubdirectory("roc-health-").FullName;
        try
        {
            var settings = App.Configuration;
            settings["SelfMonitoring:HealthDirectory"] = directory;
            using var worker = RocApp.BuildWorker(settings);
            await worker.StartAsync();
            try
            {
                var first = await Eventually.Until(
                    () => Task.FromResult(File.Exists(Path.Combine(directory, "ready")) ? File.GetLastWriteTimeUtc(Path.Combine(directory, "ready")) : DateTime.MinValue),
                    at => at > DateTime.MinValue,
                    "the first healthy round");
                var later = await Eventually.Until(
                    () => Task.FromResult(File.GetLastWriteTimeUtc(Path.Combine(directory, "ready"))),
                    at => at > first,
                    "a later round to touch it again");
                Assert.Multiple(() =>
                {
                    Assert.That(File.Exists(Path.Combine(directory, "alive")), Is.True);
                    Assert.That(later, Is.GreaterThan(first));
                });
            }
            finally
            {
                await worker.StopAsync();
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
