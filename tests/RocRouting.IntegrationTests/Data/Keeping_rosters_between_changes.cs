using RocRouting.Data;
using RocRouting.Routing;

namespace RocRouting.IntegrationTests.Data;

/// <summary>The roster cache's own rules, without a database: what it keeps, and when it refuses to.</summary>
public sealed class Keeping_rosters_between_changes
{
    private const string Organisation = "home-municipality:0180";

    private static DutyRoster Roster(string person) =>
        new([new WeeklyDuty(person, DutyRole.FirstResponder, DutyDays.EveryDay, new TimeOnly(0, 0), new TimeOnly(0, 0))],
            [], TimeZoneInfo.Utc);

    [Test]
    public void Nothing_is_kept_while_nobody_listens_for_changes()
    {
        var cache = new RosterCache();

        cache.Keep(Organisation, Roster("p-alva"), cache.Generation);

        Assert.That(cache.TryGet(Organisation, out _), Is.False);
    }

    [Test]
    public void A_roster_read_before_a_change_was_heard_is_not_kept()
    {
        var cache = new RosterCache();
        cache.Listening(true);
        var before = cache.Generation;

        cache.Changed();
        cache.Keep(Organisation, Roster("p-alva"), before);

        Assert.That(cache.TryGet(Organisation, out _), Is.False);
    }

    [Test]
    public void A_change_forgets_what_was_kept_and_a_lost_listener_keeps_nothing_more()
    {
        var cache = new RosterCache();
        cache.Listening(true);
        cache.Keep(Organisation, Roster("p-alva"), cache.Generation);
        Assert.That(cache.TryGet(Organisation, out var kept) ? kept.Weekly.Single().Person : null, Is.EqualTo("p-alva"));

        cache.Changed();
        Assert.That(cache.TryGet(Organisation, out _), Is.False, "forgotten at the change");
        cache.Keep(Organisation, Roster("p-bo"), cache.Generation);
        cache.Listening(false);

        Assert.That(cache.TryGet(Organisation, out _), Is.False, "forgotten when the listener stopped");
        cache.Keep(Organisation, Roster("p-cajsa"), cache.Generation);
        Assert.That(cache.TryGet(Organisation, out _), Is.False, "nothing kept without a listener");
    }
}
