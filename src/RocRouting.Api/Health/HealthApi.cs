using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace RocRouting.Api.Health;

public static class HealthApi
{
    /// <summary>The only anonymous endpoints: liveness (the process answers) and readiness (its dependencies do).</summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        routes.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).AllowAnonymous();
        return routes;
    }
}
