using System.Diagnostics.Metrics;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using RocRouting.Api.Console;
using RocRouting.Hosting;

namespace RocRouting.Api.Infrastructure;

/// <summary>How much work one API instance takes on at once (section <c>Limits</c>).</summary>
public sealed class RequestLimitOptions
{
    /// <summary>
    /// Requests being served at once; beyond it they wait in the queue. A few per core: more only
    /// share the same CPU and database connections, so every one of them is answered later (the fault
    /// matrix's overload row: with 128, goodput collapsed and clients timed out).
    /// </summary>
    public int MaxRequestsInFlight { get; set; } = 32;

    /// <summary>
    /// Requests waiting for a place; beyond it they are refused at once. Enough to ride out a stall of
    /// two or three hundred milliseconds (a checkpoint, a slow commit) near an instance's capacity:
    /// with 64, such a stall refused requests that the queue timeout would have let wait, and each of
    /// those police clients then waited out Retry-After instead (README, Performance, S25). Under a
    /// sustained overload the queue is always full, so an accepted request waits behind this many
    /// others, well inside the timeout.
    /// </summary>
    public int QueueLength { get; set; } = 128;

    /// <summary>How long a request waits for a place before it is refused.</summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>What a refused client is told to wait before it retries.</summary>
    public int RetryAfterSeconds { get; set; } = 2;
}

/// <summary>
/// A bound on the requests one instance serves at once. Under overload the API used to take every
/// request, hold hundreds of megabytes and answer ever later; now it serves a fixed number, queues
/// a fixed number for a short while, and answers the rest at once with 503 and Retry-After. A police
/// client retries with the same Idempotency-Key, so a refused submission is safe to send again, and
/// one that is served is answered in time. Long-lived connections (the console's live feed) and the
/// health probes are not counted: they are few and cheap, and an orchestrator must reach the probes
/// just when the instance is busiest.
/// <para>Before the rate limiter and authentication, so that a refusal costs next to nothing.</para>
/// </summary>
public sealed class RequestsInFlight : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;
    private readonly RequestLimitOptions _options;
    private readonly Counter<long> _refused;

    public RequestsInFlight(IOptions<RequestLimitOptions> options, RocMetrics metrics)
    {
        _options = options.Value;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = Math.Max(1, _options.MaxRequestsInFlight),
            QueueLimit = Math.Max(0, _options.QueueLength),
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        metrics.Meter.CreateObservableGauge("roc.http.requests_in_flight", () => InFlight, "{request}", "Requests this instance serves now (the bound counts these)");
        metrics.Meter.CreateObservableGauge("roc.http.requests_queued", () => Queued, "{request}", "Requests waiting for a place");
        _refused = metrics.Meter.CreateCounter<long>("roc.http.requests_refused", "{request}",
            "Requests answered 503 by the bound, by reason: queue_full, queue_timeout (waited for a place in vain), client_gone");
    }

    /// <summary>Requests being served now, of <see cref="RequestLimitOptions.MaxRequestsInFlight"/>.</summary>
    public int InFlight => Math.Max(1, _options.MaxRequestsInFlight) - (int)(_limiter.GetStatistics()?.CurrentAvailablePermits ?? 0);

    public int Queued => (int)(_limiter.GetStatistics()?.CurrentQueuedCount ?? 0);

    public static bool IsCounted(HttpRequest request) =>
        !request.Path.StartsWithSegments("/health") && !request.Path.StartsWithSegments(ConsoleRoutes.Live);

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        if (!IsCounted(http.Request))
        {
            await next(http);
            return;
        }
        var (lease, refusal) = await AcquireAsync(http.RequestAborted);
        using (lease)
        {
            if (refusal is not null)
            {
                _refused.Add(1, new KeyValuePair<string, object?>("reason", refusal));
                await RefuseAsync(http);
                return;
            }
            await next(http);
        }
    }

    private async Task<(RateLimitLease? Lease, string? Refusal)> AcquireAsync(CancellationToken requestAborted)
    {
        var now = _limiter.AttemptAcquire();
        if (now.IsAcquired)
        {
            return (now, null);
        }
        now.Dispose();
        if (_options.QueueLength == 0)
        {
            return (null, "queue_full");
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        timeout.CancelAfter(_options.QueueTimeout);
        try
        {
            var queued = await _limiter.AcquireAsync(1, timeout.Token);
            if (queued.IsAcquired)
            {
                return (queued, null);
            }
            queued.Dispose();
            return (null, "queue_full");
        }
        catch (OperationCanceledException)
        {
            return (null, requestAborted.IsCancellationRequested ? "client_gone" : "queue_timeout");
        }
    }

    private async Task RefuseAsync(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = _options.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        if (ConsoleRoutes.IsPageRequest(http.Request))
        {
            http.Response.ContentType = "text/html; charset=utf-8";
            await http.Response.WriteAsync(DependencyUnavailable.FixedPage(Text.BusyTitle, Text.BusyText), http.RequestAborted);
            return;
        }
        await TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Service busy",
            detail: "This instance is serving as many requests as it can. Nothing from this request was stored; retry after the time in Retry-After (with the same Idempotency-Key for a submission).").ExecuteAsync(http);
    }

    public void Dispose() => _limiter.Dispose();
}

public static class RequestsInFlightExtensions
{
    public static IServiceCollection AddRequestsInFlightBound(this IServiceCollection services)
    {
        services.AddOptions<RequestLimitOptions>().BindConfiguration("Limits");
        services.AddSingleton<RequestsInFlight>();
        return services;
    }

    public static IApplicationBuilder UseRequestsInFlightBound(this IApplicationBuilder app)
    {
        var bound = app.ApplicationServices.GetRequiredService<RequestsInFlight>();
        return app.Use((http, next) => bound.InvokeAsync(http, next));
    }
}
