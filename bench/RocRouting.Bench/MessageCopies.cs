using RabbitMQ.Client;

namespace RocRouting.Bench;

/// <summary>
/// What a message weighs on the broker: copies of up to 100 messages published to an exchange, kept by a
/// queue of the benchmark's own bound beside the service's (a classic queue that drops its oldest beyond
/// 100, so it costs the broker little). Bound while the drain's backlog fills, when the worker is down and
/// no figure is being taken.
/// </summary>
public sealed class MessageCopies : IAsyncDisposable
{
    private const int Kept = 100;

    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly string _queue;

    private MessageCopies(IConnection connection, IChannel channel, string queue) => (_connection, _channel, _queue) = (connection, channel, queue);

    public static async Task<MessageCopies> BindAsync(string url, string exchange)
    {
        var connection = await new ConnectionFactory { Uri = new Uri(url), ClientProvidedName = "rocrouting-bench-copies" }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true,
            arguments: new Dictionary<string, object?> { ["x-max-length"] = Kept })).QueueName;
        await channel.QueueBindAsync(queue, exchange, string.Empty);
        return new MessageCopies(connection, channel, queue);
    }

    /// <summary>The copies kept and their mean body in bytes.</summary>
    public async Task<(int Count, double MeanBodyBytes)> MeasureAsync()
    {
        var (count, bytes) = (0, 0L);
        while (count < Kept && await _channel.BasicGetAsync(_queue, autoAck: true) is { } copy)
        {
            (count, bytes) = (count + 1, bytes + copy.Body.Length);
        }
        return (count, count == 0 ? 0 : (double)bytes / count);
    }

    /// <summary>Closes the connection, and with it the exclusive queue.</summary>
    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
