namespace RocRouting.Data;

/// <summary>
/// What each worker instance last proved about itself, written by the worker and read by the API's
/// readiness check: a heartbeat came back through the real bus, the deadline watcher completed a round.
/// Times are the database's clock, so instances on different machines compare fairly.
/// </summary>
public sealed class WorkerStatus
{
    public required string Instance { get; set; }

    public DateTimeOffset? HeartbeatReturnedAt { get; set; }

    public DateTimeOffset? DeadlinesCheckedAt { get; set; }

    public DateTimeOffset SeenAt { get; set; }
}
