using System.Collections.Concurrent;
using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using RocRouting.Cases;
using RocRouting.Data.Outbox;

namespace RocRouting.Data;

/// <summary>
/// A unit of work that only inserts: its rows go to PostgreSQL as one prepared <see cref="NpgsqlBatch"/>,
/// which the server runs as one implicit transaction (all or nothing), without EF Core's change
/// tracking. For the intake, whose four rows are written thousands of times a second and never
/// updated in the same unit of work: SaveChanges was over half of what the API allocated per case
/// (README, Performance).
/// </summary>
/// <remarks>
/// The SQL and the parameters come from the EF Core model (table, column names, value conversions,
/// store types), so the mapping stays written once in the entity configurations. Rows are inserted
/// in the order they were added (add a parent before its children); columns the database generates
/// (identities, defaults) are left to it and not read back, so a unit of work that needs a generated
/// key belongs to the DbContext.
/// </remarks>
public sealed class RowInserts : ICaseUnitOfWork
{
    private readonly List<(object Row, InsertPlan Plan)> _rows = [];
    private readonly List<OutboxMessage> _outbox = [];
    private readonly RowWriter _writer;

    internal RowInserts(RowWriter writer) => _writer = writer;

    public void Add<TEntity>(TEntity entity) where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(entity);
        _rows.Add((entity, _writer.PlanFor(typeof(TEntity))));
        if (entity is OutboxMessage message)
        {
            _outbox.Add(message);
        }
    }

    public void Enqueue<T>(T message, Guid messageId, DateTimeOffset now, string? traceParent = null) where T : class =>
        Add(OutboxMessage.For(message, messageId, now, traceParent));

    /// <summary>Inserts every row in one round trip; on failure nothing was written.</summary>
    public Task SaveAsync(CancellationToken cancellationToken) => _writer.WriteAsync(_rows, _outbox, cancellationToken);
}

/// <summary>Writes <see cref="RowInserts"/> (one per process: it caches each entity's INSERT).</summary>
public sealed class RowWriter(NpgsqlDataSource dataSource, OutboxSignal signal, IOptions<OutboxOptions> options, IServiceProvider services)
{
    private readonly ConcurrentDictionary<Type, InsertPlan> _plans = new();
    private IModel? _model;

    public RowInserts Begin() => new(this);

    internal InsertPlan PlanFor(Type type) => _plans.GetOrAdd(type, t => InsertPlan.For(Model.FindEntityType(t)
        ?? throw new InvalidOperationException($"{t.Name} is not an entity of the model.")));

    private IModel Model => _model ??= ModelOf(services);

    private static IModel ModelOf(IServiceProvider services)
    {
        using var scope = services.CreateScope();
        return scope.ServiceProvider.GetRequiredService<RocDbContext>().Model;
    }

    internal async Task WriteAsync(List<(object Row, InsertPlan Plan)> rows, List<OutboxMessage> outbox, CancellationToken cancellationToken)
    {
        // As the DbContext's interceptor does: rows this process's relay will publish from memory are
        // written leased, so no other relay claims them meanwhile (OutboxSignal).
        var handsOff = outbox.Count > 0 && signal.HandsOff;
        if (handsOff)
        {
            var leaseEnds = DateTimeOffset.UtcNow + options.Value.HandOffLease;
            foreach (var message in outbox)
            {
                message.NextAttemptAt = leaseEnds;
            }
        }
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var batch = new NpgsqlBatch(connection))
        {
            foreach (var (row, plan) in rows)
            {
                batch.BatchCommands.Add(plan.Command(row));
            }
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        if (handsOff)
        {
            signal.HandOff(outbox);
        }
        else if (outbox.Count > 0)
        {
            signal.Notify();
        }
    }
}

/// <summary>One entity's INSERT, from the model: its SQL once, its parameters per row.</summary>
internal sealed class InsertPlan
{
    private static readonly NpgsqlCommand ParameterFactory = new();
    private readonly string _sql;
    private readonly (IProperty Property, RelationalTypeMapping Mapping)[] _columns;

    private InsertPlan(string sql, (IProperty, RelationalTypeMapping)[] columns)
    {
        _sql = sql;
        _columns = columns;
    }

    public static InsertPlan For(IEntityType entity)
    {
        if (entity.GetComplexProperties().Any() || entity.GetTableName() is null)
        {
            throw new NotSupportedException($"{entity.DisplayName()} is not a plain table row.");
        }
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        // Generated on add (identities, defaults): left to the database, as SaveChanges does for an unset value.
        var columns = entity.GetProperties()
            .Where(p => (p.ValueGenerated & ValueGenerated.OnAdd) == 0)
            .Select(p => (Property: p, Mapping: (RelationalTypeMapping)p.GetTypeMapping()))
            .ToArray();
        var names = string.Join(", ", columns.Select(c => Quote(c.Property.GetColumnName(table)!)));
        var values = string.Join(", ", columns.Select((_, i) => "$" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var name = entity.GetSchema() is { } schema ? $"{Quote(schema)}.{Quote(table.Name)}" : Quote(table.Name);
        return new InsertPlan($"INSERT INTO {name} ({names}) VALUES ({values})", columns);
    }

    public NpgsqlBatchCommand Command(object row)
    {
        var command = new NpgsqlBatchCommand(_sql);
        foreach (var (property, mapping) in _columns)
        {
            // The mapping converts the value (enums to their wire names) and types the parameter (jsonb,
            // character(n)) exactly as EF Core's own commands do.
            command.Parameters.Add(mapping.CreateParameter(
                ParameterFactory, "", property.GetGetter().GetClrValueUsingContainingEntity(row), property.IsNullable, ParameterDirection.Input));
        }
        return command;
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
