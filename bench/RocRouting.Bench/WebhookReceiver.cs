using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace RocRouting.Bench;

/// <summary>How the fault matrix's webhook receiver answers.</summary>
public enum ReceiverMode
{
    Answer,
    Hang,
    Fail,
}

/// <summary>
/// The recipients' webhook endpoint in the fault matrix (cluster.sh points every recipient's webhook
/// here): it answers 200, hangs until the sender gives up, or answers 500, as the row says, and keeps
/// per inbox item what arrived, so a row can count items never delivered and items delivered twice
/// without the <c>RocRouting-Repeat</c> mark.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public sealed class Item
    {
        private int _unmarked;
        private long _deliveredAt;

        /// <summary>Requests that arrived without the <c>RocRouting-Repeat</c> mark: more than one is a duplicate.</summary>
        public int Unmarked => Volatile.Read(ref _unmarked);

        /// <summary>When the first 200 was answered.</summary>
        public DateTimeOffset? DeliveredAt => Interlocked.Read(ref _deliveredAt) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

        public void Arrived(bool marked)
        {
            if (!marked)
            {
                Interlocked.Increment(ref _unmarked);
            }
        }

        public void Delivered() => Interlocked.CompareExchange(ref _deliveredAt, DateTimeOffset.UtcNow.UtcTicks, 0);
    }

    private readonly WebApplication _app;

    public ReceiverMode Mode { get; set; } = ReceiverMode.Answer;

    public ConcurrentDictionary<Guid, Item> Items { get; } = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public static async Task<WebhookReceiver> StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/roc", receiver.ReceiveAsync);
        await app.StartAsync();
        return receiver;
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request, CancellationToken aborted)
    {
        using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: aborted);
        var item = Items.GetOrAdd(body.RootElement.GetProperty("itemId").GetGuid(), _ => new Item());
        item.Arrived(marked: request.Headers.ContainsKey("RocRouting-Repeat"));
        switch (Mode)
        {
            case ReceiverMode.Hang:
                // Until the sender's attempt timeout cuts the connection.
                await Task.Delay(Timeout.Infinite, aborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return Results.StatusCode(StatusCodes.Status504GatewayTimeout);
            case ReceiverMode.Fail:
                return Results.StatusCode(StatusCodes.Status500InternalServerError);
            default:
                item.Delivered();
                return Results.Ok();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
