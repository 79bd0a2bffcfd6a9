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
                services.GetRequiredService<RocDbContext>(), services.GetRequiredService<RowWriter>(), services.GetRequiredService<RoutingConfiguration>(), services.GetRequiredService<WebhookDirectory>(), cancellationToken);
        }
        foreach (var type in messages.Types)
        {
            // Resolving the publish endpoint declares the message's exchange and builds its serializer.
            // A broker that is down does not hold up the start: the first publish does this later.
            var method = typeof(IPublishEndpointProvider).GetMethod(nameof(IPublishEndpointProvider.GetPublishSendEndpoint))!.MakeGenericMethod(type);
            try
            {
                await ((Task<ISendEndpoint>)method.Invoke(bus, null)!).WaitAsync(BrokerWait, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                LogBrokerNotReady(logger, type.Name, e.GetType().Name);
                break;
            }
        }
        var elapsed = TimeProvider.System.GetElapsedTime(started).TotalMilliseconds;
        LogWarm(logger, elapsed);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static readonly TimeSpan BrokerWait = TimeSpan.FromSeconds(5);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker is not reachable at start ({Error}); the {MessageType} exchange is declared on the first publish")]
    private static partial void LogBrokerNotReady(ILogger logger, string messageType, string error);

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
