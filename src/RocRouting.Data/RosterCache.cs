using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using RocRouting.Cases;
using RocRouting.Routing;

namespace RocRouting.Data;

/// <summary>
/// Each organisation's roster as last read, kept for as long as PostgreSQL tells this process of every
/// change to the rosters (<see cref="RosterChangeListener"/>). The routing transaction then plans a
/// case's notifications without a round trip for the roster: at night, a case to a transaction, that
/// read was on the path from submitted to routed (README, Performance). Without a listener (the API),
/// or while it is not connected, nothing is kept and every plan reads the roster, as before.
/// </summary>
/// <remarks>
/// A roster is kept only if no change was heard while it was being read (<see cref="Generation"/>):
/// a read that began before a change committed and ended after its notice would otherwise keep the
/// old roster for good. A kept roster holds every override not yet ended when it was read, so it
/// answers for any later instant (<see cref="DutyRoster.At"/> picks the ones in force).
/// </remarks>
public sealed class RosterCache
{
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<string, DutyRoster> _rosters = new(StringComparer.Ordinal);
    private long _generation;
    private bool _listening;
    private int _sessions;

    /// <summary>Taken before a roster is read, and given back to <see cref="Keep"/> with it.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Whether a listener hears every change now, so that rosters are kept.</summary>
    public bool IsListening => Volatile.Read(ref _listening);

    /// <summary>How many times a listener began to hear changes (for tests that break its connection).</summary>
    public int ListeningSessions => Volatile.Read(ref _sessions);

    public bool TryGet(string organisation, [NotNullWhen(true)] out DutyRoster? roster) => _rosters.TryGetValue(organisation, out roster);

    /// <summary>Keeps <paramref name="roster"/> unless nobody listens for changes or one was heard since <paramref name="generation"/>.</summary>
    public void Keep(string organisation, DutyRoster roster, long generation)
    {
        lock (_lock)
        {
            if (_listening && generation == _generation)
            {
                _rosters[organisation] = roster;
            }
        }
    }

    /// <summary>A roster changed (which one does not matter: changes are rare, and every roster is read again).</summary>
    internal void Changed() => Forget(listening: null);

    /// <summary>The listener began (after its LISTEN) or stopped hearing changes; either way, nothing read before is kept.</summary>
    internal void Listening(bool listening) => Forget(listening);

    private void Forget(bool? listening)
    {
        lock (_lock)
        {
            if (listening is { } now)
            {
                _sessions += now && !_listening ? 1 : 0;
                _listening = now;
            }
            Interlocked.Increment(ref _generation);
            _rosters.Clear();
        }
    }
}

/// <summary>
/// Hears <c>NOTIFY roster_changed</c> (sent by the roster tables' triggers at commit) on a connection
/// of its own, and tells the <see cref="RosterCache"/>. A connection that fails, or that cannot show it
/// is alive (asked after <see cref="CheckInterval"/> of silence, answering within as long again), stops
/// the cache keeping anything until a new one listens.
/// </summary>
public sealed partial class RosterChangeListener(
    [FromKeyedServices(RosterChangeListener.DataSourceKey)] NpgsqlDataSource dataSource, RosterCache cache, ILogger<RosterChangeListener> logger)
    : BackgroundService
{
    public const string Channel = "roster_changed";

    public const string DataSourceKey = "roster-listener";

    /// <summary>How operators (and tests) find its connection in <c>pg_stat_activity</c>.</summary>
    public const string ApplicationName = "rocrouting-roster-listener";

    /// <summary>
    /// How long the connection may stay silent before it is asked to show it is alive, and how long it
    /// has to answer: a connection lost without a word (a network partition) hears nothing, so twice
    /// this bounds how long a kept roster can miss a change.
    /// </summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => cache.Changed();
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                cache.Listening(true);
                if (failures > 0)
                {
                    LogListeningAgain(logger, failures);
                }
                failures = 0;
                while (true)
                {
                    if (!await connection.WaitAsync(CheckInterval, stoppingToken))
                    {
                        await using var check = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = (int)CheckInterval.TotalSeconds };
                        await check.ExecuteScalarAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                cache.Listening(false);
                failures++;
                LogListenFailed(logger, e, failures);
                await ((Task)Task.Delay(Backoff.Exponential(failures, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)), stoppingToken))
                    .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        cache.Listening(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for roster changes failed ({Failures} in a row); rosters are read for every plan until it listens again")]
    private static partial void LogListenFailed(ILogger logger, Exception exception, int failures);

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening for roster changes again after {Failures} failure(s)")]
    private static partial void LogListeningAgain(ILogger logger, int failures);
}

public static class RosterCacheExtensions
{
    /// <summary>Keeps the rosters this process reads until PostgreSQL says one changed (the worker, which plans for every routed case).</summary>
    public static IServiceCollection AddRosterChangeListener(this IServiceCollection services)
    {
        services.AddKeyedSingleton(RosterChangeListener.DataSourceKey, (sp, _) =>
        {
            var builder = DataServiceCollectionExtensions.DataSourceBuilder(sp.GetRequiredService<IConfiguration>());
            // One connection held for the process's life, apart from the pool the work shares; its
            // liveness checks every few seconds are not worth a span each.
            builder.ConnectionStringBuilder.Pooling = false;
            builder.ConnectionStringBuilder.ApplicationName = RosterChangeListener.ApplicationName;
            builder.ConfigureTracing(t => t.ConfigureCommandFilter(_ => false).EnablePhysicalOpenTracing(false));
            return builder.Build();
        });
        services.AddHostedService<RosterChangeListener>();
        return services;
    }
}
