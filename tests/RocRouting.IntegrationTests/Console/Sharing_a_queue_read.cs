using RocRouting.Api.Console;
using RocRouting.Contracts;

namespace RocRouting.IntegrationTests.Console;

/// <summary>
/// The rules of <see cref="QueueReads"/>, without a database: a read is held open until the test lets it
/// answer, so which request shares which read does not depend on timing.
/// </summary>
public sealed class Sharing_a_queue_read
{
    private static readonly Recipient Socialjour = Recipient.SocialEmergencyService("stockholm");
    private static readonly Recipient Tyreso = Recipient.HomeMunicipality("0138");

    /// <summary>A read function whose every call waits until the test answers it.</summary>
    private sealed class HeldReads
    {
        public List<(Recipient Organisation, TaskCompletionSource<QueuePage> Answer)> Calls { get; } = [];

        public Task<QueuePage> ReadAsync(Recipient organisation)
        {
            var answer = new TaskCompletionSource<QueuePage>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (Calls)
            {
                Calls.Add((organisation, answer));
            }
            return answer.Task;
        }

        public int Count
        {
            get
            {
                lock (Calls)
                {
                    return Calls.Count;
                }
            }
        }

        public async Task UntilCalledAsync(int times)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (Count < times)
            {
                Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"the read was called {Count} times, not {times}");
                await Task.Yield();
            }
        }
    }

    private static QueuePage APage() => new([], []);

    [Test]
    public async Task A_request_while_nothing_is_read_starts_its_own_read()
    {
        var reads = new HeldReads();
        var queues = new QueueReads(reads.ReadAsync);
        var page = APage();

        var request = queues.ReadAsync(Socialjour, CancellationToken.None);
        reads.Calls[0].Answer.SetResult(page);

        Assert.That(await request, Is.SameAs(page));
        Assert.That(reads.Count, Is.EqualTo(1));
    }

    [Test]
    public async Task Requests_that_arrive_during_a_read_share_the_next_one_which_starts_after_it()
    {
        var reads = new HeldReads();
        var queues = new QueueReads(reads.ReadAsync);
        var first = queues.ReadAsync(Socialjour, CancellationToken.None);

        // Arrived while the first read ran: it may have begun before the change these consoles heard of.
        var later = Enumerable.Range(0, 9).Select(_ => queues.ReadAsync(Socialjour, CancellationToken.None)).ToArray();
        Assert.That(reads.Count, Is.EqualTo(1), "no second read while the first runs");

        var firstPage = APage();
        reads.Calls[0].Answer.SetResult(firstPage);
        Assert.That(await first, Is.SameAs(firstPage));
        await reads.UntilCalledAsync(2);
        var secondPage = APage();
        reads.Calls[1].Answer.SetResult(secondPage);

        var pages = await Task.WhenAll(later);
        Assert.Multiple(() =>
        {
            Assert.That(pages, Is.All.SameAs(secondPage), "every latecomer gets the read that began after it asked");
            Assert.That(reads.Count, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task A_failed_read_fails_its_requests_and_the_next_read_starts_afresh()
    {
        var reads = new HeldReads();
        var queues = new QueueReads(reads.ReadAsync);
        var first = queues.ReadAsync(Socialjour, CancellationToken.None);
        var later = queues.ReadAsync(Socialjour, CancellationToken.None);

        reads.Calls[0].Answer.SetException(new TimeoutException("the database is away"));
        await reads.UntilCalledAsync(2);
        var page = APage();
        reads.Calls[1].Answer.SetResult(page);

        Assert.That(async () => await first, Throws.TypeOf<TimeoutException>());
        Assert.That(await later, Is.SameAs(page));
    }

    [Test]
    public async Task A_console_that_stops_waiting_leaves_the_read_to_the_others()
    {
        var reads = new HeldReads();
        var queues = new QueueReads(reads.ReadAsync);
        var first = queues.ReadAsync(Socialjour, CancellationToken.None);
        using var leaving = new CancellationTokenSource();
        var gone = queues.ReadAsync(Socialjour, leaving.Token);
        var staying = queues.ReadAsync(Socialjour, CancellationToken.None);

        await leaving.CancelAsync();
        reads.Calls[0].Answer.SetResult(APage());
        await first;
        await reads.UntilCalledAsync(2);
        var page = APage();
        reads.Calls[1].Answer.SetResult(page);

        Assert.That(async () => await gone, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(await staying, Is.SameAs(page), "the read the two shared still ran");
    }

    [Test]
    public async Task Organisations_do_not_share_a_read_and_a_quiet_organisation_reads_at_once_again()
    {
        var reads = new HeldReads();
        var queues = new QueueReads(reads.ReadAsync);

        var socialjour = queues.ReadAsync(Socialjour, CancellationToken.None);
        var tyreso = queues.ReadAsync(Tyreso, CancellationToken.None);
        Assert.That(reads.Calls.Select(c => c.Organisation), Is.EqualTo(new[] { Socialjour, Tyreso }));
        reads.Calls[0].Answer.SetResult(APage());
        reads.Calls[1].Answer.SetResult(APage());
        await Task.WhenAll(socialjour, tyreso);

        var again = queues.ReadAsync(Socialjour, CancellationToken.None);

        Assert.That(reads.Count, Is.EqualTo(3), "nothing runs for the socialjour now, so its next request reads at once");
        reads.Calls[2].Answer.SetResult(APage());
        await again;
    }
}
