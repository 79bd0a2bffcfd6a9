using Microsoft.EntityFrameworkCore;
using Npgsql;
using RocRouting.Data;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Data;

/// <summary>
/// The migrations are hand-written, so this is what keeps them honest: a database built by the
/// migrations must have exactly the tables, columns, indexes and constraints the EF model describes.
/// </summary>
public sealed class A_freshly_migrated_database
{
    [Test]
    public async Task Matches_the_EF_model()
    {
        var migrated = await TestServers.CreateDatabaseAsync("roc_migrated");
        var modelled = await TestServers.CreateDatabaseAsync("roc_modelled");
        await using (var db = Context(migrated))
        {
            await db.Database.MigrateAsync();
        }
        await using (var db = Context(modelled))
        {
            await db.Database.EnsureCreatedAsync();
        }

        var expected = await DescribeAsync(modelled);
        var actual = await DescribeAsync(migrated);
        Assert.That(actual, Is.EqualTo(expected));
    }

    [Test]
    public async Task Has_no_pending_migrations_once_migrated()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("roc_pending");
        await using var db = Context(connectionString);
        await db.Database.MigrateAsync();
        Assert.That(await db.Database.GetPendingMigrationsAsync(), Is.Empty);
    }

    private static RocDbContext Context(string connectionString)
    {
        var dataSource = new NpgsqlDataSourceBuilder(connectionString).Build();
        var options = new DbContextOptionsBuilder<RocDbContext>();
        DataServiceCollectionExtensions.Configure(options, dataSource);
        return new RocDbContext(options.Options);
    }

    private static async Task<List<string>> DescribeAsync(string connectionString)
    {
        const string sql = """
            SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type
                   || coalesce('(' || character_maximum_length || ')', '') || ' null=' || is_nullable
                   || ' identity=' || coalesce(identity_generation, '-') || ' default=' || coalesce(column_default, '-')
            FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name <> '__EFMigrationsHistory'
            UNION ALL
            SELECT 'index ' || indexdef FROM pg_indexes
            WHERE schemaname = 'public' AND tablename <> '__EFMigrationsHistory'
            UNION ALL
            SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
            FROM pg_constraint
            WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '"__EFMigrationsHistory"'
            ORDER BY 1
            """;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }
        return lines;
    }
}
