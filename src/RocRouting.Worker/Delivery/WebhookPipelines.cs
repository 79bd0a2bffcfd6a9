using System.Net;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;
using RocRouting.Cases;

namespace RocRouting.Worker.Delivery;

public sealed class WebhookResilienceOptions
{
    public double BreakerFailureRatio { get; set; } = 0.5;

    public int BreakerMinimumThroughput { get; set; } = 4;

    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A Retry-After longer than this is left to the durable schedule rather than waited out in process.</summary>
    public TimeSpan MaxInProcessRetryAfter { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// One Polly pipeline per recipient: retries with exponential backoff and jitter for transient
/// failures (5xx, 408, 429 honouring Retry-After, timeouts, connection errors), a circuit breaker
/// so one dead endpoint fails fast without slowing the others, and a per-attempt timeout.
/// </summary>
public sealed class WebhookPipelines(IOptions<DeliveryOptions> delivery, IOptions<WebhookResilienceOptions> resilience) : IAsyncDisposable
{
    private readonly ResiliencePipelineRegistry<string> _registry = new();

    public ResiliencePipeline<HttpResponseMessage> For(string recipient) =>
        _registry.GetOrAddPipeline<HttpResponseMessage>(recipient, builder => Build(builder, delivery.Value, resilience.Value));

    public ValueTask DisposeAsync() => _registry.DisposeAsync();

    public static bool IsTransient(HttpResponseMessage response) =>
        (int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - now,
        _ => null,
    };

    private static bool Failed(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is HttpRequestException or TimeoutRejectedException
        || (outcome.Result is { } response && IsTransient(response));

    private static void Build(ResiliencePipelineBuilder<HttpResponseMessage> builder, DeliveryOptions delivery, WebhookResilienceOptions resilience)
    {
        if (delivery.ImmediateRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                // A long Retry-After goes to the durable schedule instead of holding a worker.
                ShouldHandle = args => ValueTask.FromResult(Failed(args.Outcome)
                    && !(args.Outcome.Result is { } r && RetryAfter(r, DateTimeOffset.UtcNow) > resilience.MaxInProcessRetryAfter)),
                MaxRetryAttempts = delivery.ImmediateRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = delivery.ImmediateRetryDelay,
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } r ? RetryAfter(r, DateTimeOffset.UtcNow) : null),
            });
        }
        builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = args => ValueTask.FromResult(Failed(args.Outcome)),
                FailureRatio = resilience.BreakerFailureRatio,
                MinimumThroughput = resilience.BreakerMinimumThroughput,
                SamplingDuration = resilience.BreakerSamplingDuration,
                BreakDuration = resilience.BreakDuration,
            })
            .AddTimeout(delivery.AttemptTimeout);
    }
}
