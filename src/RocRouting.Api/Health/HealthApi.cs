using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RocRouting.Api.Health;

public static class HealthApi
{
    /// <summary>Readiness: the database, the outbox and the workers (the shared checks and the API's own), cached.</summary>
    public static IServiceCollection AddReadiness(this IServiceCollection services)
    {
        services.AddHealthChecks().AddWorkerHealthCheck();
        services.AddSingleton<CachedReadiness>();
        return services;
    }

    /// <summary>The only anonymous endpoints: liveness (the process answers) and readiness (its dependencies do).</summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        routes.MapGet("/health/ready", ReadyAsync).AllowAnonymous().ExcludeFromDescription();
        return routes;
    }

    /// <summary>As the health-check middleware answers (the status's name, 503 when unhealthy, never cached), from <see cref="CachedReadiness"/>.</summary>
    private static async Task ReadyAsync(HttpContext http, CachedReadiness readiness)
    {
        var status = await readiness.StatusAsync();
        http.Response.StatusCode = status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        http.Response.Headers.CacheControl = "no-store, no-cache";
        http.Response.Headers.Pragma = "no-cache";
        http.Response.ContentType = "text/plain";
        await http.Response.WriteAsync(status.ToString(), http.RequestAborted);
    }
}
