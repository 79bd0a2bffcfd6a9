using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RocRouting.Cases;
using RocRouting.Data;
using RocRouting.Routing;

namespace RocRouting.Hosting;

/// <summary>
/// Pays the cold-start costs before the process takes work: EF Core's pipelines (see
/// <see cref="DataWarmUp"/>) and the broker exchanges of the messages this process publishes.
/// A case arriving right after start is then routed in milliseconds, not seconds.
/// </summary>
internal sealed partial class WarmUp(IServiceScopeFactory scopes, IBus bus, WarmUpMessages messages, ILogger<WarmUp> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        await using (var scope = scopes.CreateAsyncScope())
        {
            var services = scope.ServiceProvider;
            await DataWarmUp.RunAsync(
                services.GetRequiredService<RocDbContext>(), services.GetRequiredService<RoutingConfiguration>(), services.GetRequiredService<WebhookDirectory>(), cancellationToken);
        }
        foreach (var type in messages.Types)
        {
            // Resolving the publish endpoint declares the message's exchange and builds its serializer.
            var method = typeof(IPublishEndpointProvider).GetMethod(nameof(IPublishEndpointProvider.GetPublishSendEndpoint))!.MakeGenericMethod(type);
            await (Task<ISendEndpoint>)method.Invoke(bus, null)!;
        }
        var elapsed = TimeProvider.System.GetElapsedTime(started).TotalMilliseconds;
        LogWarm(logger, elapsed);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Warmed up in {ElapsedMs:F0} ms")]
    private static partial void LogWarm(ILogger logger, double elapsedMs);
}

public sealed record WarmUpMessages(IReadOnlyList<Type> Types);

public static class WarmUpExtensions
{
    /// <summary>Warms the data path and the exchanges of <paramref name="published"/> at start-up (after the bus has started).</summary>
    public static IServiceCollection AddRocWarmUp(this IServiceCollection services, params Type[] published)
    {
        services.AddSingleton(new WarmUpMessages(published));
        return services.AddHostedService<WarmUp>();
    }
}
