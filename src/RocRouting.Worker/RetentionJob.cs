using Microsoft.Extensions.Options;
using RocRouting.Data;

namespace RocRouting.Worker;

public sealed class RetentionOptions
{
    /// <summary>How long a closed case keeps its personal data.</summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// How long a case that is never closed keeps its personal data, from submission: long after any
    /// staff could still act on it, so a forgotten case does not keep a child's identity number forever.
    /// </summary>
    public TimeSpan OpenCasePeriod { get; set; } = TimeSpan.FromDays(180);

    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Erases the personal data of cases closed longer ago than the retention period, and of cases never
/// closed longer after submission than the open-case period, every interval (what is erased:
/// <see cref="RetentionQueries.ErasePersonalDataAsync"/>).
/// </summary>
public sealed partial class RetentionJob(
    IServiceScopeFactory scopes, TimeProvider time, IOptions<RetentionOptions> options, ILogger<RetentionJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await EraseExpiredAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, e);
            }
            await Task.Delay(options.Value.Interval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Erases what has expired now (by the injected clock); returns how many cases.</summary>
    public async Task<int> EraseExpiredAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var (erased, stillOpen) = await scope.ServiceProvider.GetRequiredService<RocDbContext>()
            .ErasePersonalDataAsync(now - options.Value.Period, now - options.Value.OpenCasePeriod, now, cancellationToken);
        if (erased > stillOpen)
        {
            LogErased(logger, erased - stillOpen, options.Value.Period.TotalDays);
        }
        if (stillOpen > 0)
        {
            // Operators should know: a case nobody closed in half a year is a gap in the handling.
            LogErasedOpen(logger, stillOpen, options.Value.OpenCasePeriod.TotalDays);
        }
        return erased;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Erased the personal data of {Count} case(s) closed more than {Days} days ago")]
    private static partial void LogErased(ILogger logger, int count, double days);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Erased the personal data of {Count} case(s) never closed, submitted more than {Days} days ago")]
    private static partial void LogErasedOpen(ILogger logger, int count, double days);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retention round failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
