using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Data;

/// <summary>
/// Until 2026-12-05 an inbox page compared the recipient with <c>IS NOT DISTINCT FROM</c>, which no
/// index answers: every page read every inbox item and sorted them. The plan is asked for with
/// sequential scans and sorts priced out, so an index that can answer the page is the plan, and a
/// query that no index can answer still shows its scan.
/// </summary>
public sealed class Reading_an_inbox_page : SharedAppTest
{
    [TestCase("home-municipality", "ix_inbox_items_recipient_municipality_code_tx_id_id")]
    [TestCase("social-emergency-service", "ix_inbox_items_recipient_service_id_tx_id_id")]
    public async Task Reads_its_recipients_index_in_order(string kind, string index)
    {
        var recipient = kind == "home-municipality" ? Recipient.HomeMunicipality("0180") : Recipient.SocialEmergencyService("stockholm");
        var (first, next) = await PlansAsync(recipient);

        Assert.Multiple(() =>
        {
            Assert.That(first, Does.Contain($"Index Scan Backward using {index}"), "the newest page");
            Assert.That(next, Does.Contain($"Index Scan using {index}"), "the page after a cursor");
            Assert.That(first + next, Does.Not.Contain("Seq Scan").And.Not.Contain("Sort"));
        });
    }

    private async Task<(string First, string Next)> PlansAsync(Recipient recipient)
    {
        var commands = new CapturedCommands();
        await using var dataSource = new NpgsqlDataSourceBuilder(App.ConnectionString).Build();
        var options = new DbContextOptionsBuilder<RocDbContext>();
        DataServiceCollectionExtensions.Configure(options, dataSource);
        options.AddInterceptors(commands);
        await using (var db = new RocDbContext(options.Options))
        {
            await db.InboxPageAsync(recipient, after: null, 50, CancellationToken.None);
            await db.InboxPageAsync(recipient, after: (1, Guid.Empty), 50, CancellationToken.None);
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var settings = new NpgsqlCommand("SET enable_seqscan = off; SET enable_sort = off", connection))
        {
            await settings.ExecuteNonQueryAsync();
        }
        return (await ExplainAsync(connection, commands.Seen[0]), await ExplainAsync(connection, commands.Seen[1]));
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
