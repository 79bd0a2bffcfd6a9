using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Hosting;

namespace RocRouting.Worker.Delivery;

/// <summary>The thin notification a recipient's webhook receives: ids and times only, never personal data.</summary>
public sealed record WebhookNotification(string Type, Guid ItemId, Guid CaseId, string Urgency, DateTimeOffset DueAt, string Url);

/// <summary>
/// Delivers inbox items to recipients' webhooks. Due deliveries are claimed with a lease (FOR UPDATE
/// SKIP LOCKED, then no lock is held during HTTP), sent through the recipient's Polly pipeline, and
/// on failure moved to a durable schedule in PostgreSQL with exponential backoff; after the limit
/// they are marked failed and operators are alerted. Every attempt after the first carries
/// <c>RocRouting-Repeat: true</c>, so a receiver never sees the same delivery id twice unmarked.
/// </summary>
public sealed partial class DeliveryWorker(
    IServiceScopeFactory scopes,
    IHttpClientFactory httpClients,
    WebhookDirectory directory,
    WebhookPipelines pipelines,
    TimeProvider time,
    IOptions<DeliveryOptions> options,
    RocMetrics metrics,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    public const string HttpClientName = "webhooks";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly SemaphoreSlim _slots = new(32);
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                claimed = await ClaimAndStartAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogRoundFailed(logger, e);
            }
            if (claimed == 0)
            {
                await Task.Delay(options.Value.PollInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        // Let deliveries in flight record their outcome; anything cut off is retried when its lease ends.
        await Task.WhenAll(_inFlight.Keys).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// Claims as many due deliveries as there are free slots and starts each on its own, so a slow
    /// or hanging receiver holds only its own slots and never the deliveries to anyone else.
    /// </summary>
    private async Task<int> ClaimAndStartAsync(CancellationToken stoppingToken)
    {
        var free = _slots.CurrentCount;
        if (free == 0)
        {
            await _slots.WaitAsync(stoppingToken);
            _slots.Release();
            return 1;
        }
        var (claimed, items) = await ClaimAsync(free, stoppingToken);
        foreach (var delivery in claimed)
        {
            await _slots.WaitAsync(stoppingToken);
            var task = Task.Run(async () =>
            {
                try
                {
                    var (_, error, retryAfter, sent) = await SendAsync(delivery, items[delivery.InboxItemId], stoppingToken);
                    await RecordAsync(delivery, items[delivery.InboxItemId], error, retryAfter, sent);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // The lease runs out and another round tries again.
                    LogRecordFailed(logger, e, delivery.Id);
                }
                finally
                {
                    _slots.Release();
                }
            }, CancellationToken.None);
            _inFlight.TryAdd(task, 0);
            _ = task.ContinueWith(t => _inFlight.TryRemove(t, out _), TaskScheduler.Default);
        }
        return claimed.Count;
    }

    /// <summary>Leases up to <paramref name="limit"/> due deliveries (counting the attempt) and loads their inbox items.</summary>
    private async Task<(List<Cases.Delivery> Claimed, Dictionary<Guid, InboxItem> Items)> ClaimAsync(int limit, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var leaseUntil = now + options.Value.Lease;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
        var claimed = await db.LeaseDueDeliveriesAsync(now, leaseUntil, limit, cancellationToken);
        if (claimed.Count == 0)
        {
            return (claimed, []);
        }
        var itemIds = claimed.Select(d => d.InboxItemId).ToList();
        var items = await db.InboxItems.AsNoTracking().Where(i => itemIds.Contains(i.Id)).ToDictionaryAsync(i => i.Id, cancellationToken);
        return (claimed, items);
    }

    public override void Dispose()
    {
        _slots.Dispose();
        base.Dispose();
    }

    private async Task RecordAsync(Cases.Delivery delivery, InboxItem item, string? error, TimeSpan? retryAfter, bool sent)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
        db.Attach(delivery);
        var outcome = sent
            ? CaseLifecycle.RecordDelivery(db, delivery, item, error, retryAfter, options.Value, time.GetUtcNow())
            : CaseLifecycle.DeferDelivery(delivery, error!, retryAfter, options.Value, time.GetUtcNow());
        await db.SaveChangesAsync(CancellationToken.None);
        switch (outcome)
        {
            case DeliveryOutcome.Failed:
                LogFailed(logger, delivery.Id, delivery.CaseId, delivery.Recipient, delivery.Attempts);
                break;
            case DeliveryOutcome.Rescheduled:
                LogRescheduled(logger, delivery.Id, delivery.Recipient, delivery.Attempts, delivery.NextAttemptAt);
                break;
        }
    }

    /// <summary>
    /// Sends one delivery through the recipient's pipeline. Returns the error (null on success); for the
    /// durable schedule, when to retry (<see cref="TimeSpan.MaxValue"/> means never: a permanent
    /// refusal); and whether it was sent at all (not when the recipient's circuit is open).
    /// </summary>
    private async Task<(Cases.Delivery Delivery, string? Error, TimeSpan? RetryAfter, bool Sent)> SendAsync(
        Cases.Delivery delivery, InboxItem item, CancellationToken cancellationToken)
    {
        // Each attempt continues the trace of the decision that created the delivery.
        using var activity = RocDiagnostics.StartFrom("webhook delivery", ActivityKind.Internal, delivery.TraceParent, delivery.CaseId);
        activity?.SetTag("roc.recipient", delivery.Recipient);
        var (error, retryAfter, sent) = await TrySendAsync(delivery, item, cancellationToken);
        if (error is not null)
        {
            activity?.SetStatus(ActivityStatusCode.Error, error);
        }
        return (delivery, error, retryAfter, sent);
    }

    private async Task<(string? Error, TimeSpan? RetryAfter, bool Sent)> TrySendAsync(Cases.Delivery delivery, InboxItem item, CancellationToken cancellationToken)
    {
        if (directory.For(delivery.Recipient) is not { Url: { } url } webhook)
        {
            return ("no webhook is configured for the recipient any more", TimeSpan.MaxValue, true);
        }
        var notification = new WebhookNotification(
            item.Kind == InboxItemKind.Case ? "case.routed" : "signal",
            item.Id,
            item.CaseId,
            Wire.Name(item.Urgency),
            item.DueAt,
            new Uri(options.Value.PublicBaseUrl, $"/api/v1/cases/{item.CaseId}").ToString());
        var body = JsonSerializer.SerializeToUtf8Bytes(notification, Json);
        var client = httpClients.CreateClient(HttpClientName);
        var sent = 0;
        try
        {
            using var response = await pipelines.For(delivery.Recipient).ExecuteAsync(
                async token =>
                {
                    sent++;
                    using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    request.Headers.Add("RocRouting-Delivery-Id", delivery.Id.ToString());
                    request.Headers.Add("RocRouting-Delivery-Attempt", $"{delivery.Attempts}.{sent}");
                    if (delivery.Attempts > 1 || sent > 1)
                    {
                        // This id may have reached the receiver before: say so.
                        request.Headers.Add("RocRouting-Repeat", "true");
                    }
                    request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(webhook.Secret, time.GetUtcNow().ToUnixTimeSeconds(), body));
                    // Headers only: the body of a receiver's answer is never read, so it is never buffered either.
                    return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
                },
                cancellationToken);
            var status = (int)response.StatusCode;
            Count(delivery, sent, response.IsSuccessStatusCode ? "delivered" : "failed", failed: response.IsSuccessStatusCode ? sent - 1 : sent);
            if (response.IsSuccessStatusCode)
            {
                return (null, null, true);
            }
            var error = $"HTTP {status}";
            if (WebhookPipelines.IsTransient(response))
            {
                return (error, WebhookPipelines.RetryAfter(response, time.GetUtcNow()), true);
            }
            // Any other 4xx: the receiver refuses this notification; retrying will not change its mind.
            return (error, TimeSpan.MaxValue, true);
        }
        catch (BrokenCircuitException e)
        {
            Count(delivery, 1, "circuit-open", failed: 1);
            return ("circuit open: the receiver has been failing", e.RetryAfter, sent > 0);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Connection refused, timeouts, and anything unforeseen: the durable schedule tries again.
            Count(delivery, Math.Max(sent, 1), "error", failed: Math.Max(sent, 1));
            return (e.GetType().Name, null, true);
        }
    }

    private void Count(Cases.Delivery delivery, int attempts, string outcome, int failed)
    {
        var recipient = new KeyValuePair<string, object?>("recipient", delivery.Recipient);
        metrics.DeliveryAttempts.Add(attempts, recipient, new("outcome", outcome));
        if (failed > 0)
        {
            metrics.DeliveryFailures.Add(failed, recipient);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording the outcome of delivery {DeliveryId} failed")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, Guid deliveryId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery round failed")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery {DeliveryId} to {Recipient} failed (attempt {Attempts}); next attempt at {NextAttemptAt}")]
    private static partial void LogRescheduled(ILogger logger, Guid deliveryId, string recipient, int attempts, DateTimeOffset nextAttemptAt);

    [LoggerMessage(Level = LogLevel.Critical, Message = "OPERATOR ALERT: delivery {DeliveryId} of case {CaseId} to {Recipient} failed after {Attempts} attempts; the item stays in the inbox")]
    private static partial void LogFailed(ILogger logger, Guid deliveryId, Guid caseId, string recipient, int attempts);
}
