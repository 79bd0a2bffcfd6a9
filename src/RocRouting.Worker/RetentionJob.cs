using Microsoft.EntityFrameworkCore;
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
/// Erases the personal data of cases closed longer ago than the retention period: identity
/// number, birth date, summary, officer id and phone, police reference, acknowledgement notes.
/// What stays (municipalities, urgency, category, times, route, timeline) is pseudonymous and
/// keeps the statistics. One statement, idempotent, with an audit entry per erased case.
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
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
        // Not composed (ToListAsync, not SingleAsync): a data-modifying WITH must stay at the top level.
        var erased = (await db.Database.SqlQuery<int>($"""
            WITH erased AS (
                UPDATE cases
                SET sealed_personal_identity_number = NULL, child_key = NULL, birth_date = NULL, sealed_summary = NULL,
                    reported_by_officer_id = 'erased', reported_by_phone = NULL, police_reference = NULL,
                    personal_data_erased_at = {now}
                WHERE closed_at < {cutoff} AND personal_data_erased_at IS NULL
                RETURNING id),
            notes AS (
                UPDATE case_acknowledgements SET note = NULL WHERE case_id IN (SELECT id FROM erased)),
            audit AS (
                INSERT INTO audit_entries (at, subject, role, action, case_id, outcome)
                SELECT {now}, 'system:worker', 'system', 'case.erase', id, 'ok' FROM erased)
            SELECT count(*)::int AS "Value" FROM erased
            """).ToListAsync(cancellationToken)).Single();
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
