using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using RocRouting.Cases;
using RocRouting.Hosting;
using RocRouting.Routing;

namespace RocRouting.Api.Console;

/// <summary>
/// GET /live: the console's server-sent events. "hello" on every (re)connection tells the page to
/// re-read what it shows, so whatever happened while it was away (a dropped connection, another
/// instance, a restart) is on screen again; "case" events follow as they commit; "ping" keeps
/// proxies from closing a quiet connection.
/// </summary>
public static class LiveApi
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapLiveApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(ConsoleRoutes.Live, Stream).RequireAuthorization(Policies.AnyUser).ExcludeFromDescription();
        return routes;
    }

    internal static IResult Stream(HttpContext http, LiveFeed feed, RoutingConfiguration config, IHostApplicationLifetime lifetime) =>
        TypedResults.ServerSentEvents(Events(feed, CaseReader.From(http.User, config), http.RequestAborted, lifetime.ApplicationStopping));

    private static async IAsyncEnumerable<SseItem<string>> Events(
        LiveFeed feed, CaseReader reader, CancellationToken aborted, CancellationToken stopping, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping, cancellationToken);
        var token = linked.Token;
        using var subscription = feed.Subscribe(reader);
        yield return new SseItem<string>("{}", "hello") { ReconnectionInterval = TimeSpan.FromSeconds(2) };

        var events = subscription.Events;
        Task<bool>? waiting = null;
        while (!token.IsCancellationRequested)
        {
            waiting ??= events.WaitToReadAsync(token).AsTask();
            var first = await Task.WhenAny(waiting, Task.Delay(Heartbeat, token)).ConfigureAwait(false);
            if (token.IsCancellationRequested)
            {
                yield break;
            }
            if (first != waiting)
            {
                yield return new SseItem<string>("{}", "ping");
                continue;
            }
            if (!await waiting.ConfigureAwait(false))
            {
                yield break;
            }
            waiting = null;
            while (events.TryRead(out var e))
            {
                yield return new SseItem<string>(JsonSerializer.Serialize(e, Json), "case") { EventId = e.Cursor };
            }
        }
    }
}
