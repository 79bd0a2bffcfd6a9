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

    /// <summary>An urgent case for Tyresö on a Tuesday morning that nobody takes: overdue after two hours, re-routed to the socialjour after four.</summary>
    protected async Task<Guid> RerouteUnacknowledgedAsync()
    {
        var tuesday = Clock.NextLocal(DayOfWeek.Tuesday, 10);
        var caseId = await StaffActions.SubmitAsync(App, "0138", "urgent");
        await StaffActions.RoutedAsync(App, caseId);
        Clock.Set(tuesday.AddHours(2).AddSeconds(1));
        await StaffActions.UntilAsync(App, caseId, v => v.GetProperty("status").GetString() == "overdue", "the first miss");
        Clock.Set(tuesday.AddHours(4).AddSeconds(2));
        await StaffActions.UntilAsync(App, caseId, v => StaffActions.Timeline(v).Contains("rerouted"), "the re-route");
        return caseId;
    }
}
