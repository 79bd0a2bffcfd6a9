using Microsoft.AspNetCore.Components;
using RocRouting.Contracts;
using RocRouting.Data;

namespace RocRouting.Api.Console;

/// <summary>An organisation's queue as its consoles list it: the open cases in queue order, and their cards.</summary>
public sealed record QueuePage(IReadOnlyList<QueueRow> Rows, IReadOnlyList<MarkupString> Cards);

/// <summary>
/// One read of an organisation's queue for the consoles that ask for it at the same moment. Every open
/// console re-reads its queue when the live feed tells it of a change, so at night the socialjour's
/// consoles all asked for the same 200 rows within milliseconds of each other, each with a query of its
/// own. A read serves the requests that arrived before it started; a request that arrives while one runs
/// waits for the next, which starts as soon as that one ends and serves everyone who came meanwhile. So
/// a page never shows a read older than its request (a change a console heard of committed before it
/// asked, and is on its page), and an organisation has one queue read running and one waiting, however
/// many consoles it has open. The rows do not depend on who asks: the access rules choose the organisation.
/// </summary>
public sealed class QueueReads
{
    /// <summary>The cases a console lists; the JSON API pages further.</summary>
    public const int PageSize = 200;

    private readonly Func<Recipient, Task<QueuePage>> _read;
    private readonly Lock _lock = new();
    /// <summary>The organisations whose queue is being read, each with the read its latecomers wait for (if any).</summary>
    private readonly Dictionary<Recipient, TaskCompletionSource<QueuePage>?> _running = [];

    public QueueReads(IServiceScopeFactory scopes, QueueCards cards)
        : this(async organisation =>
        {
            await using var scope = scopes.CreateAsyncScope();
            // Not the request's token: the read is every waiting console's, and one that leaves only stops waiting.
            var rows = await scope.ServiceProvider.GetRequiredService<RocDbContext>().QueueAsync(organisation, [], [], 0, PageSize, CancellationToken.None);
            return new QueuePage(rows, await cards.HtmlAsync(rows));
        })
    {
    }

    internal QueueReads(Func<Recipient, Task<QueuePage>> read) => _read = read;

    /// <summary>The organisation's queue as read after this call began.</summary>
    public Task<QueuePage> ReadAsync(Recipient organisation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(organisation);
        TaskCompletionSource<QueuePage>? start = null;
        Task<QueuePage> page;
        lock (_lock)
        {
            if (!_running.TryGetValue(organisation, out var next))
            {
                start = NewRead();
                _running[organisation] = null;
                page = start.Task;
            }
            else
            {
                next ??= _running[organisation] = NewRead();
                page = next.Task;
            }
        }
        if (start is not null)
        {
            _ = RunAsync(organisation, start);
        }
        return page.WaitAsync(cancellationToken);
    }

    /// <summary>Runs the read for <paramref name="target"/>, then the one its latecomers wait for, until nobody waits.</summary>
    private async Task RunAsync(Recipient organisation, TaskCompletionSource<QueuePage> target)
    {
        for (var next = target; next is not null;)
        {
            try
            {
                next.TrySetResult(await _read(organisation));
            }
            catch (Exception e)
            {
                // Every console waiting for this read gets its failure (a database away is a 503 for each);
                // the next read starts afresh.
                next.TrySetException(e);
            }
            lock (_lock)
            {
                next = _running[organisation];
                if (next is null)
                {
                    _running.Remove(organisation);
                }
                else
                {
                    _running[organisation] = null;
                }
            }
        }
    }

    private static TaskCompletionSource<QueuePage> NewRead() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
