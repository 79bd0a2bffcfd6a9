namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>For tests that move time: the run's clocked app and its clock.</summary>
public abstract class ClockedAppTest
{
    protected RocApp App { get; private set; } = null!;

    protected ManualClock Clock { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartClockedApp()
    {
        App = await RocApp.ClockedAsync();
        Clock = App.ManualClock;
    }
}
