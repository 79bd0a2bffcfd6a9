using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using RocRouting.Cases;

namespace RocRouting.Api.Infrastructure;

public sealed class RateLimitOptions
{
    /// <summary>Requests per minute for one token subject (or one address when anonymous).</summary>
    public int PermitsPerMinute { get; set; } = 300;
}

/// <summary>
/// Per-client limits, partitioned by the token's subject, so one runaway client cannot crowd out
/// the duty officers. Over the limit: 429 with Retry-After (not the framework's default 503).
/// </summary>
public static class RateLimiting
{
    public static IServiceCollection AddRocRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration("RateLimiting");
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                if (http.Request.Path.StartsWithSegments("/health"))
                {
                    return RateLimitPartition.GetNoLimiter("health");
                }
                var key = http.User.FindFirstValue(Claims.Subject) is { } sub
                    ? "sub:" + sub
                    : "ip:" + http.Connection.RemoteIpAddress;
                var permits = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.PermitsPerMinute;
                return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = permits,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await TypedResults.Problem(
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many requests",
                    detail: "This client has sent too many requests; retry after the time in Retry-After.").ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }
}
