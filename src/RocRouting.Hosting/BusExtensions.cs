using System.Text.Json.Serialization;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace RocRouting.Hosting;

public sealed class RabbitMqOptions
{
    /// <summary>amqp://user:password@host:port/vhost</summary>
    public string Url { get; set; } = "amqp://guest:guest@127.0.0.1:5672/";

    /// <summary>
    /// User and password apart from the address, replacing the URL's when set: the keys of the secret
    /// the RabbitMQ cluster operator makes, mounted as secret files (README, Kubernetes).
    /// </summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>The broker's address with the credentials in force.</summary>
    public Uri ConnectionUri()
    {
        var uri = new UriBuilder(Url);
        if (!string.IsNullOrEmpty(Username))
        {
            uri.UserName = Uri.EscapeDataString(Username);
        }
        if (!string.IsNullOrEmpty(Password))
        {
            uri.Password = Uri.EscapeDataString(Password);
        }
        return uri.Uri;
    }

    /// <summary>Quorum queues replicate and survive a node loss; classic durable queues when the broker lacks them.</summary>
    public bool QuorumQueues { get; set; } = true;

    /// <summary>
    /// Messages a worker holds unacknowledged (and consumes concurrently) on each queue but the routing
    /// queue. Unacknowledged messages return to the queue if a worker dies.
    /// </summary>
    public int PrefetchCount { get; set; } = 200;

    /// <summary>
    /// The same for the routing queue (<see cref="ReceiveQueues.RoutingConsumer"/>). The routing writer
    /// writes the cases it holds together, a hundred per transaction in two transactions at a time: with
    /// a window of only those two transactions, no case was being read while both were written, and a
    /// larger window drained a backlog faster (README, Performance).
    /// </summary>
    public int RoutingPrefetchCount { get; set; } = 1000;

    /// <summary>
    /// Messages a process consumes at once on each queue but the routing queue (the bus's own queue
    /// included); the rest of the prefetch window waits in the client. Each one is a dispatch loop of
    /// RabbitMQ.Client on the queue's channel (MassTransit sets its dispatch concurrency to this limit,
    /// or to the prefetch count without one), and every delivery to a channel wakes all of its idle
    /// loops: with 200 loops, each message cost 200 thread-pool wake-ups and as many allocations
    /// (README, Performance). These consumers wait on a database pool of ten connections, so more than
    /// a few dozen at once buys nothing.
    /// </summary>
    public int ConcurrentMessageLimit { get; set; } = 16;

    /// <summary>
    /// The same for the routing queue, where the cases consumed at once are what the routing writer
    /// groups into transactions: its two transactions of a hundred cases, and the next hundred being
    /// read meanwhile.
    /// </summary>
    public int RoutingConcurrentMessageLimit { get; set; } = 300;

    /// <summary>Immediate retries in process before a message is moved to its queue's _error queue.</summary>
    public int RetryLimit { get; set; } = 5;

    /// <summary>
    /// Prefixes every exchange and queue ("staging." gives "staging.route-case"), so several
    /// environments (or test runs) can share one broker without seeing each other's messages.
    /// </summary>
    public string? Prefix { get; set; }
}

public static class BusExtensions
{
    /// <summary>
    /// MassTransit on RabbitMQ with the settings every process shares: durable (quorum) queues,
    /// persistent messages with publisher confirms, retry then _error, no usage telemetry.
    /// <paramref name="waitForBroker"/>: a consuming process's host waits until its receive
    /// endpoints are bound (and fails to start without a broker); a publishing-only process (the
    /// API) starts without one and connects when it can, since its outbox keeps what it accepts.
    /// </summary>
    public static IHostApplicationBuilder AddRocBus(
        this IHostApplicationBuilder builder,
        Action<IBusRegistrationConfigurator>? registerConsumers = null,
        bool deployTopologyOnly = false,
        bool waitForBroker = true)
    {
        builder.Services.AddOptions<RabbitMqOptions>().BindConfiguration("RabbitMq");
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            // Without this, StartAsync returns before the queues are bound and early messages are dropped.
            o.WaitUntilStarted = waitForBroker;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });
        builder.Services.AddMassTransit(x =>
        {
            x.DisableUsageTelemetry();
            x.SetKebabCaseEndpointNameFormatter();
            registerConsumers?.Invoke(x);
            x.AddConfigureEndpointsCallback((context, name, endpoint) =>
            {
                var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                var routing = name == ReceiveQueues.Of(options, ReceiveQueues.RoutingConsumer);
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    if (options.QuorumQueues)
                    {
                        rabbit.SetQuorumQueue();
                    }
                    if (routing)
                    {
                        rabbit.PrefetchCount = options.RoutingPrefetchCount;
                    }
                }
                if (routing)
                {
                    endpoint.ConcurrentMessageLimit = options.RoutingConcurrentMessageLimit;
                }
                // A database failing over or restarting takes longer than a bug's few quick retries: those
                // failures are retried again for half a minute more before the message goes to _error
                // (where the sweeper still finds an unrouted case).
                endpoint.UseMessageRetry(r =>
                {
                    r.Handle<Exception>(DependencyFailures.IsUnavailable);
                    r.Intervals(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15));
                });
                endpoint.UseMessageRetry(r => r.Exponential(options.RetryLimit, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200)));
            });
            x.UsingRabbitMq((context, cfg) =>
            {
                var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                cfg.Host(options.ConnectionUri());
                // MassTransit writes its envelope indented and with every empty field spelled out, and each
                // message is written to the quorum queue's log on every node: compact JSON without nulls
                // says the same in fewer bytes, and any MassTransit reads it (README, Performance).
                cfg.ConfigureJsonSerializerOptions(json =>
                {
                    json.WriteIndented = false;
                    json.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
                    return json;
                });
                cfg.PrefetchCount = options.PrefetchCount;
                cfg.ConcurrentMessageLimit = options.ConcurrentMessageLimit;
                cfg.DeployTopologyOnly = deployTopologyOnly;
                if (string.IsNullOrEmpty(options.Prefix))
                {
                    cfg.ConfigureEndpoints(context);
                }
                else
                {
                    cfg.MessageTopology.SetEntityNameFormatter(new PrefixEntityNameFormatter(cfg.MessageTopology.EntityNameFormatter, options.Prefix));
                    cfg.ConfigureEndpoints(context, new KebabCaseEndpointNameFormatter(options.Prefix, false));
                }
            });
        });
        return builder;
    }
}

/// <summary>
/// The bus's receive queues and their MassTransit error queues, named as MassTransit names them: the
/// topology every process shares (the worker consumes them, the migrate step declares them, operators
/// inspect their error queues).
/// </summary>
public static class ReceiveQueues
{
    /// <summary>The worker's consumers by type name without the "Consumer" suffix, as MassTransit's formatter sees them.</summary>
    private static readonly string[] Consumers = [RoutingConsumer, "NotifyPeople"];

    /// <summary>The routing worker's consumer of CaseSubmitted.</summary>
    public const string RoutingConsumer = "RouteCase";

    /// <summary>
    /// Messages waiting in a queue, or null when it does not exist (MassTransit creates an _error queue
    /// with its first failure). A passive declare of a missing queue closes the channel: use one per call.
    /// </summary>
    public static async Task<uint?> MessageCountAsync(IChannel channel, string queue, CancellationToken cancellationToken)
    {
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue, cancellationToken)).MessageCount;
        }
        catch (OperationInterruptedException)
        {
            return null;
        }
    }

    public static IEnumerable<(string Queue, string ErrorQueue)> All(RabbitMqOptions options)
    {
        foreach (var consumer in Consumers)
        {
            var queue = Of(options, consumer);
            yield return (queue, queue + "_error");
        }
    }

    /// <summary>A consumer's queue (and endpoint exchange): its type name without the "Consumer" suffix, as MassTransit formats it.</summary>
    public static string Of(RabbitMqOptions options, string consumer)
    {
        ArgumentNullException.ThrowIfNull(options);
        var formatter = string.IsNullOrEmpty(options.Prefix)
            ? KebabCaseEndpointNameFormatter.Instance
            : new KebabCaseEndpointNameFormatter(options.Prefix, false);
        return formatter.SanitizeName((options.Prefix ?? "") + consumer);
    }
}

/// <summary>
/// Bindings an earlier version declared that this one no longer wants. MassTransit declares what the
/// consumers need and never removes anything, so a message type a consumer stopped hearing would still
/// be copied to its queue (and moved on to its _skipped queue) on every broker that ran the earlier
/// version. The migrate step removes them; an old worker still running during a rolling upgrade keeps
/// consuming what is already queued.
/// </summary>
public static class RetiredBindings
{
    /// <summary>
    /// Unbinds a message type's exchange from a consumer's endpoint exchange (the one bound to its
    /// queue). Repeatable: a binding or an exchange that is gone already is no error.
    /// </summary>
    public static async Task UnbindAsync(RabbitMqOptions options, string messageExchange, string consumer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var connection = await new ConnectionFactory { Uri = options.ConnectionUri(), ClientProvidedName = "rocrouting-migrate" }
            .CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            await channel.ExchangeUnbindAsync(ReceiveQueues.Of(options, consumer), messageExchange, routingKey: "", cancellationToken: cancellationToken);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.NotFound)
        {
            // One of the two exchanges never existed here: nothing was bound.
        }
    }
}
