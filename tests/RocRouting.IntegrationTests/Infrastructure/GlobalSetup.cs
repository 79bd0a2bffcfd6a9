using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests;

// In the root namespace of the tests: NUnit runs it once around all of them.
[SetUpFixture]
public sealed class GlobalSetup
{
    [OneTimeSetUp]
    public Task StartServers() => TestServers.StartAsync();

    [OneTimeTearDown]
    public async Task StopServers()
    {
        await Browser.StopAsync();
        await RocApp.StopSharedAsync();
        await TestServers.StopAsync();
    }
}
