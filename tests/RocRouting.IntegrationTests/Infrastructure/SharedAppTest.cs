namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>For tests on the run's shared app (real clock): started once, on first use.</summary>
public abstract class SharedAppTest
{
    protected RocApp App { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartSharedApp() => App = await RocApp.SharedAsync();
}
