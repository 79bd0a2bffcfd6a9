using Microsoft.Extensions.Options;
using RocRouting.Cases;
using RocRouting.Worker.Notifications;

namespace RocRouting.IntegrationTests.Notifications;

/// <summary>
/// The routing writer hands the notifications it planned to this process's sender at commit, written
/// leased to it, and wakes it; a wake-up soon after a round waits out the round spacing. These are the
/// rules of the hand-over and of the sender's rounds, without servers; the notification tests run them
/// end to end, including a worker killed with an alert in hand.
/// </summary>
public sealed class Handing_notifications_to_the_sender
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 22, 0, 0, TimeSpan.Zero);

    private static NotificationSignal NewSignal(TimeSpan? roundSpacing = null, TimeSpan? pollInterval = null) => new(Options.Create(new NotificationOptions
    {
        Lease = Lease,
        RoundSpacing = roundSpacing ?? TimeSpan.FromMilliseconds(100),
        PollInterval = pollInterval ?? TimeSpan.FromMinutes(1),
    }));

    /// <summary>A round that started long ago (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    private const long LongAgo = 0;

    private static List<Notification> Planned(int count) =>
        [.. Enumerable.Range(0, count).Select(i => Notification.Plan(Guid.CreateVersion7(), "routed:1", 1, "social-emergency-service:stockholm", $"p-{i}", ContactChannel.Push, Now, Now))];

    [Test]
    public void Nothing_is_leased_for_a_hand_over_while_no_sender_runs_in_the_process()
    {
        using var signal = NewSignal();
        var planned = Planned(1);

        Assert.Multiple(() =>
        {
            Assert.That(signal.LeaseForHandOff(planned, Now), Is.False);
            Assert.That(planned[0].LeaseUntil, Is.Null, "any sender leases it");
            Assert.That(planned[0].Attempts, Is.Zero);
        });
    }

    [Test]
    public void Planned_notifications_are_written_leased_with_their_first_attempt_counted()
    {
        using var signal = NewSignal();
        signal.SenderStarted();
        var planned = Planned(2);

        Assert.Multiple(() =>
        {
            Assert.That(signal.LeaseForHandOff(planned, Now), Is.True);
            Assert.That(planned.Select(n => n.LeaseUntil), Is.All.EqualTo(Now + Lease));
            Assert.That(planned.Select(n => n.Attempts), Is.All.EqualTo(1));
        });
    }

    [Test]
    public void A_hand_over_wakes_the_sender_without_asking_it_to_lease_but_a_plain_wake_up_does()
    {
        using var signal = NewSignal();
        signal.SenderStarted();
        var planned = Planned(1);
        signal.LeaseForHandOff(planned, Now);

        signal.HandOff(planned);

        Assert.Multiple(() =>
        {
            Assert.That(signal.WaitForRoundAsync(LongAgo, CancellationToken.None).IsCompletedSuccessfully, "woken");
            Assert.That(signal.TakeLeaseRequest(), Is.False);
            Assert.That(signal.TakeHandedOff(16, Now).Select(n => n.Id), Is.EqualTo(planned.Select(n => n.Id)));
        });
        signal.Wake();
        Assert.That(signal.TakeLeaseRequest(), Is.True);
    }

    [Test]
    public void A_backlog_is_not_held_in_memory()
    {
        using var signal = NewSignal();
        signal.SenderStarted();
        var first = Planned(NotificationSignal.MaxHandedOff - 1);
        Assert.That(signal.LeaseForHandOff(first, Now), Is.True);
        signal.HandOff(first);

        var more = Planned(2);
        Assert.Multiple(() =>
        {
            Assert.That(signal.LeaseForHandOff(more, Now), Is.False, "beyond the limit, written unleased for the sender to lease");
            Assert.That(more.Select(n => n.LeaseUntil), Is.All.Null);
        });

        // Taken by the sender, the room is there again.
        Assert.That(signal.TakeHandedOff(NotificationSignal.MaxHandedOff, Now), Has.Count.EqualTo(NotificationSignal.MaxHandedOff - 1));
        Assert.That(signal.LeaseForHandOff(more, Now), Is.True);
    }

    [Test]
    public void A_notification_that_waited_through_half_its_lease_is_left_to_any_senders_lease()
    {
        using var signal = NewSignal();
        signal.SenderStarted();
        var planned = Planned(2);
        signal.LeaseForHandOff(planned, Now);
        planned[0].LeaseUntil = Now + (Lease / 2) - TimeSpan.FromSeconds(1);
        signal.HandOff(planned);

        Assert.That(signal.TakeHandedOff(16, Now).Select(n => n.Id), Is.EqualTo(new[] { planned[1].Id }));
    }

    [Test]
    public async Task A_wake_up_soon_after_a_round_waits_out_the_spacing_so_more_alerts_join_the_next_round()
    {
        using var signal = NewSignal(roundSpacing: TimeSpan.FromMilliseconds(300));
        var roundStarted = System.Diagnostics.Stopwatch.GetTimestamp();

        signal.Wake();
        await signal.WaitForRoundAsync(roundStarted, CancellationToken.None);

        // Timers may fire a clock tick early; the round must not start much before the spacing.
        Assert.That(System.Diagnostics.Stopwatch.GetElapsedTime(roundStarted), Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(290)));
    }

    [Test]
    public async Task Without_a_wake_up_the_next_round_starts_at_the_poll()
    {
        using var signal = NewSignal(pollInterval: TimeSpan.FromMilliseconds(50));
        var waiting = System.Diagnostics.Stopwatch.GetTimestamp();

        await signal.WaitForRoundAsync(LongAgo, CancellationToken.None);

        Assert.That(System.Diagnostics.Stopwatch.GetElapsedTime(waiting), Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(40)));
    }
}
