using System.Collections.Concurrent;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using RocRouting.Api.Console.Components;
using RocRouting.Data;

namespace RocRouting.Api.Console;

/// <summary>
/// The queue's cards as HTML, rendered once per version of a case and shared by every console that lists
/// it. At night the socialjour's consoles all show the same 200 cases and re-read the queue at every
/// change; rendering each card afresh made the page buffer the API's largest allocation (README,
/// Performance). A card shows nothing but its <see cref="QueueRow"/>, whose values are the key: a changed
/// status, deadline or reference is a new key, so nothing shown is ever stale. The access rules have
/// already chosen the rows before a card is looked up.
/// </summary>
public sealed class QueueCards(IServiceScopeFactory scopes, ILoggerFactory loggers)
{
    /// <summary>Ten full queues; beyond it the cache starts afresh (a card is about 1 kB).</summary>
    public const int MaxCards = 2000;

    private readonly ConcurrentDictionary<QueueRow, MarkupString> _cards = new();

    public int Count => _cards.Count;

    public async Task<MarkupString[]> HtmlAsync(IReadOnlyList<QueueRow> rows)
    {
        var cards = new MarkupString[rows.Count];
        List<int>? missing = null;
        for (var i = 0; i < rows.Count; i++)
        {
            if (!_cards.TryGetValue(rows[i], out cards[i]))
            {
                (missing ??= []).Add(i);
            }
        }
        if (missing is null)
        {
            return cards;
        }
        // A renderer keeps every root component it renders until it is disposed: one per batch of new cards,
        // in a scope of its own (the renderer's services are scoped).
        await using var scope = scopes.CreateAsyncScope();
        await using var renderer = new HtmlRenderer(scope.ServiceProvider, loggers);
        await renderer.Dispatcher.InvokeAsync(async () =>
        {
            foreach (var i in missing)
            {
                var card = await renderer.RenderComponentAsync<QueueCard>(
                    ParameterView.FromDictionary(new Dictionary<string, object?> { [nameof(QueueCard.Case)] = rows[i] }));
                cards[i] = new MarkupString(card.ToHtmlString());
            }
        });
        if (_cards.Count + missing.Count > MaxCards)
        {
            _cards.Clear();
        }
        foreach (var i in missing)
        {
            _cards[rows[i]] = cards[i];
        }
        return cards;
    }
}
