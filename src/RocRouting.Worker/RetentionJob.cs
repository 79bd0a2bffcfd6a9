using Microsoft.Extensions.Options;
using RocRouting.Data;

namespace RocRouting.Worker;

public sealed class RetentionOptions
{
    /// <summary>How long a closed case keeps its personal data.</summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromDays(90);

    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Erases the personal data of cases closed longer ago than the retention period, every interval
/// (what is erased: <see cref="RetentionQueries.ErasePersonalDataClosedBeforeAsync"/>).
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
        var cutoff = now - options.Value.Period;
        await using var scope = scopes.CreateAsyncScope();
        var erased = await scope.ServiceProvider.GetRequiredService<RocDbContext>().ErasePersonalDataClosedBeforeAsync(cutoff, now, cancellationToken);
        if (erased > 0)
        {
            LogErased(logger, erased, options.Value.Period.TotalDays);
        }
        return erased;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Erased the personal data of {Count} case(s) closed more than {Days} days ago")]
    private static partial void LogErased(ILogger logger, int count, double days);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retention round failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
