using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using RocRouting.Data;

namespace RocRouting.IntegrationTests.Infrastructure;

/// <summary>
/// The plans of the statements a query sends, as PostgreSQL would run them with sequential scans and
/// sorts priced out: an index that can answer the query is then the plan, and a query that no index can
/// answer still shows its scan or its sort. (On a test's small tables a scan would win on cost alone.)
/// </summary>
public static class QueryPlans
{
    public static async Task<string[]> OfAsync(string connectionString, Func<RocDbContext, Task> query)
    {
        var commands = new CapturedCommands();
        await using var dataSource = new NpgsqlDataSourceBuilder(connectionString).Build();
        var options = new DbContextOptionsBuilder<RocDbContext>();
        DataServiceCollectionExtensions.Configure(options, dataSource);
        options.AddInterceptors(commands);
        await using (var db = new RocDbContext(options.Options))
        {
            await query(db);
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var settings = new NpgsqlCommand("SET enable_seqscan = off; SET enable_sort = off", connection))
        {
            await settings.ExecuteNonQueryAsync();
        }
        var plans = new List<string>();
        foreach (var command in commands.Seen)
        {
            plans.Add(await ExplainAsync(connection, command));
        }
        return [.. plans];
    }

    private static async Task<string> ExplainAsync(NpgsqlConnection connection, (string Text, NpgsqlParameter[] Parameters) command)
    {
        await using var explain = new NpgsqlCommand("EXPLAIN " + command.Text, connection);
        explain.Parameters.AddRange(command.Parameters);
        var lines = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }
        return string.Join('\n', lines);
    }

    private sealed class CapturedCommands : DbCommandInterceptor
    {
        public List<(string Text, NpgsqlParameter[] Parameters)> Seen { get; } = [];

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Seen.Add((command.CommandText, [.. command.Parameters.Cast<NpgsqlParameter>().Select(p => p.Clone())]));
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}
