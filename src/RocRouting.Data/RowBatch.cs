using System.Collections.Concurrent;
using System.Data;
using System.Diagnostics;
using System.Globalization;
using System.Text;
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
/// A unit of work written as one prepared <see cref="NpgsqlBatch"/>, which PostgreSQL runs as one
/// implicit transaction (all or nothing), without EF Core's change tracking. For the two hottest
/// transactions, the intake and the routing decision, where SaveChanges was over half of what the
/// API allocated per case and 44 % of the worker's (README, Performance). Everything else keeps
/// the DbContext.
/// </summary>
/// <remarks>
/// The SQL and the parameters come from the EF Core model (tables, columns, value conversions, store
/// types), so the mapping stays written once, in the entity configurations. Statements run in the
/// order rows were added (a parent before its children); the dependents in a new row's collection
/// navigations (a route's deadlines) follow it. Columns the database generates are left to it; a
/// generated key is read back (RETURNING) and its dependents in the batch take it from the
/// sequence's current value, which is this session's last insert into that table.
/// </remarks>
public sealed class RowBatch : ICaseUnitOfWork
{
    private readonly List<Step> _steps = [];
    private readonly List<OutboxMessage> _outbox = [];
    private readonly RowWriter _writer;

    internal RowBatch(RowWriter writer) => _writer = writer;

    /// <summary>Adds a new row (and, when saved, the rows then in its collection navigations).</summary>
    public void Add<TEntity>(TEntity entity) where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(entity);
        _steps.Add(new Step(entity, _writer.PlanFor(typeof(TEntity)), null));
        if (entity is OutboxMessage message)
        {
            _outbox.Add(message);
        }
    }

    /// <summary>A stored row (read untracked) that this unit of work may change: the columns changed by the save are updated by its key.</summary>
    public void Attach<TEntity>(TEntity entity) where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(entity);
        var plan = _writer.PlanFor(typeof(TEntity));
        _steps.Add(new Step(entity, plan, plan.Snapshot(entity)));
    }

    public void Enqueue<T>(T message, Guid messageId, DateTimeOffset now, string? traceParent = null) where T : class =>
        Add(OutboxMessage.For(message, messageId, now, traceParent));

    /// <summary>Writes everything in one round trip; on failure nothing was written.</summary>
    public Task SaveAsync(CancellationToken cancellationToken) => _writer.WriteAsync(_steps, _outbox, within: null, cancellationToken);

    /// <summary>
    /// Writes within the transaction open on <paramref name="db"/>'s connection (the warm-up's, rolled
    /// back). Its commit is not seen here, so outbox rows are not handed to the relay: a committed one
    /// would be claimed at the relay's next poll.
    /// </summary>
    internal Task SaveWithinAsync(RocDbContext db, CancellationToken cancellationToken) =>
        _writer.WriteAsync(_steps, _outbox, (NpgsqlConnection)db.Database.GetDbConnection(), cancellationToken);

    /// <summary>A row to insert (no snapshot) or to update (its values when attached).</summary>
    internal sealed record Step(object Row, RowPlan Plan, object?[]? Snapshot);
}

/// <summary>Writes <see cref="RowBatch"/>es (one per process: it caches each entity's statements).</summary>
public sealed class RowWriter(NpgsqlDataSource dataSource, OutboxSignal signal, IOptions<OutboxOptions> options, IServiceProvider services)
{
    private readonly ConcurrentDictionary<Type, RowPlan> _plans = new();
    private IModel? _model;

    public RowBatch Begin() => new(this);

    internal RowPlan PlanFor(Type type) => _plans.GetOrAdd(type, t => new RowPlan(Model.FindEntityType(t)
        ?? throw new InvalidOperationException($"{t.Name} is not an entity of the model.")));

    private IModel Model => _model ??= ModelOf(services);

    private static IModel ModelOf(IServiceProvider services)
    {
        using var scope = services.CreateScope();
        return scope.ServiceProvider.GetRequiredService<RocDbContext>().Model;
    }

    internal async Task WriteAsync(List<RowBatch.Step> steps, List<OutboxMessage> outbox, NpgsqlConnection? within, CancellationToken cancellationToken)
    {
        // As the DbContext's interceptor does: rows this process's relay will publish from memory are
        // written leased, so no other relay claims them meanwhile. Not within a caller's transaction,
        // whose commit is not seen here.
        var handsOff = within is null && signal.LeaseForHandOff(outbox, options.Value.HandOffLease);
        var generated = new List<(object Row, RowPlan Plan, List<(object Row, IForeignKey Key)> Dependents)>();
        var updates = new List<NpgsqlBatchCommand>();
        var own = within is null ? await dataSource.OpenConnectionAsync(cancellationToken) : null;
        await using (own)
        await using (var batch = new NpgsqlBatch(within ?? own))
        {
            foreach (var step in steps)
            {
                if (step.Snapshot is null)
                {
                    AddInsert(batch, step.Row, step.Plan, via: null, generated);
                }
                else if (step.Plan.Update(step.Row, step.Snapshot) is { } update)
                {
                    batch.BatchCommands.Add(update);
                    updates.Add(update);
                }
            }
            using var activity = BatchTracing.StartUnlessTracedByNpgsql(batch);
            try
            {
                await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
                {
                    // One result per RETURNING, in statement order (statements without rows yield none).
                    foreach (var (row, plan, dependents) in generated)
                    {
                        if (!await reader.ReadAsync(cancellationToken))
                        {
                            throw new InvalidOperationException($"No key came back for a new {plan.Name} row.");
                        }
                        var key = plan.SetGeneratedKey(row, reader.GetValue(0));
                        foreach (var (dependent, foreignKey) in dependents)
                        {
                            RowPlan.SetForeignKey(dependent, foreignKey, key);
                        }
                        await reader.NextResultAsync(cancellationToken);
                    }
                }
            }
            catch (Exception e)
            {
                activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
                throw;
            }
        }
        if (updates.Find(u => u.RecordsAffected != 1) is { } missed)
        {
            // Not reached while rows are only attached as read by their key; a bug if it is.
            throw new InvalidOperationException($"An update by key changed {missed.RecordsAffected} rows: {missed.CommandText}");
        }
        if (handsOff)
        {
            signal.HandOff(outbox);
        }
        else if (within is null && outbox.Count > 0)
        {
            signal.Notify();
        }
    }

    private void AddInsert(
        NpgsqlBatch batch, object row, RowPlan plan, IForeignKey? via, List<(object, RowPlan, List<(object, IForeignKey)>)> generated)
    {
        batch.BatchCommands.Add(plan.Insert(row, via));
        List<(object, IForeignKey)>? dependents = null;
        if (plan.HasGeneratedKey)
        {
            dependents = [];
            generated.Add((row, plan, dependents));
        }
        foreach (var (navigation, foreignKey) in plan.Dependents)
        {
            if (navigation.GetGetter().GetClrValueUsingContainingEntity(row) is not System.Collections.IEnumerable children)
            {
                continue;
            }
            var childPlan = PlanFor(foreignKey.DeclaringEntityType.ClrType);
            foreach (var child in children)
            {
                if (dependents is null)
                {
                    // The parent's key is the client's: the child carries it as any other value.
                    plan.CopyKey(row, child, foreignKey);
                    AddInsert(batch, child, childPlan, via: null, generated);
                }
                else
                {
                    dependents.Add((child, foreignKey));
                    AddInsert(batch, child, childPlan, via: foreignKey, generated);
                }
            }
        }
    }
}

/// <summary>One entity's statements, from the model: the INSERT's SQL once, an UPDATE's per set of changed columns.</summary>
internal sealed class RowPlan
{
    private static readonly NpgsqlCommand ParameterFactory = new();
    private readonly StoreObjectIdentifier _table;
    private readonly string _tableName;
    private readonly IProperty _key;
    private readonly (IProperty Property, RelationalTypeMapping Mapping)[] _columns;
    private readonly (IProperty Property, RelationalTypeMapping Mapping)[] _updatable;
    private readonly string _insert;
    private readonly ConcurrentDictionary<IForeignKey, string> _inserts = new();
    private readonly ConcurrentDictionary<ulong, string> _updates = new();

    public RowPlan(IEntityType entity)
    {
        if (entity.GetComplexProperties().Any() || entity.GetTableName() is null || entity.FindPrimaryKey() is not { Properties: [var key] })
        {
            throw new NotSupportedException($"{entity.DisplayName()} is not a plain table row with a single-column key.");
        }
        Name = entity.DisplayName();
        _table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        _tableName = entity.GetSchema() is { } schema ? $"{Quote(schema)}.{Quote(_table.Name)}" : Quote(_table.Name);
        _key = key;
        // Generated on add (identities, defaults): left to the database, as SaveChanges does for an unset value.
        _columns = [.. entity.GetProperties().Where(p => (p.ValueGenerated & ValueGenerated.OnAdd) == 0).Select(p => (p, (RelationalTypeMapping)p.GetTypeMapping()))];
        _updatable = [.. entity.GetProperties().Where(p => !p.IsPrimaryKey() && (p.ValueGenerated & ValueGenerated.OnAdd) == 0)
            .Select(p => (p, (RelationalTypeMapping)p.GetTypeMapping()))];
        if (_updatable.Length > 64)
        {
            throw new NotSupportedException($"{Name} has more columns than an update's mask holds.");
        }
        HasGeneratedKey = (key.ValueGenerated & ValueGenerated.OnAdd) != 0;
        Dependents = [.. entity.GetNavigations().Where(n => n.IsCollection && !n.IsOnDependent).Select(n => (n, n.ForeignKey))];
        if (Dependents.Any(d => d.Key.Properties.Count != 1))
        {
            throw new NotSupportedException($"{Name} has a composite foreign key.");
        }
        _insert = InsertSql(null);
    }

    public string Name { get; }

    public bool HasGeneratedKey { get; }

    public (INavigation Navigation, IForeignKey Key)[] Dependents { get; }

    /// <param name="via">The foreign key whose value is the key just generated for the parent (null: every column from the row).</param>
    public NpgsqlBatchCommand Insert(object row, IForeignKey? via)
    {
        var viaColumn = via?.Properties[0];
        var command = new NpgsqlBatchCommand(via is null ? _insert : _inserts.GetOrAdd(via, InsertSql));
        foreach (var (property, mapping) in _columns)
        {
            if (property != viaColumn)
            {
                command.Parameters.Add(Parameter(property, mapping, row));
            }
        }
        return command;
    }

    /// <summary>The UPDATE of the columns whose values differ from the snapshot, or null when none does.</summary>
    public NpgsqlBatchCommand? Update(object row, object?[] snapshot)
    {
        var changed = 0UL;
        for (var i = 0; i < _updatable.Length; i++)
        {
            var (property, _) = _updatable[i];
            if (!property.GetValueComparer().Equals(snapshot[i], property.GetGetter().GetClrValueUsingContainingEntity(row)))
            {
                changed |= 1UL << i;
            }
        }
        if (changed == 0)
        {
            return null;
        }
        var command = new NpgsqlBatchCommand(_updates.GetOrAdd(changed, UpdateSql));
        for (var i = 0; i < _updatable.Length; i++)
        {
            if ((changed & (1UL << i)) != 0)
            {
                command.Parameters.Add(Parameter(_updatable[i].Property, _updatable[i].Mapping, row));
            }
        }
        command.Parameters.Add(Parameter(_key, (RelationalTypeMapping)_key.GetTypeMapping(), row));
        return command;
    }

    public object?[] Snapshot(object row) =>
        [.. _updatable.Select(c => c.Property.GetValueComparer().Snapshot(c.Property.GetGetter().GetClrValueUsingContainingEntity(row)))];

    /// <summary>Sets the key the database generated (as read from RETURNING) on the row, and returns it.</summary>
    public object SetGeneratedKey(object row, object value)
    {
        var converted = _key.GetTypeMapping().Converter is { } converter ? converter.ConvertFromProvider(value)! : Convert.ChangeType(value, _key.ClrType, CultureInfo.InvariantCulture);
        _key.PropertyInfo!.SetValue(row, converted);
        return converted;
    }

    public void CopyKey(object parent, object child, IForeignKey foreignKey) =>
        SetForeignKey(child, foreignKey, _key.GetGetter().GetClrValueUsingContainingEntity(parent));

    /// <summary>Sets a dependent's (single-column) foreign key to its parent's key.</summary>
    public static void SetForeignKey(object child, IForeignKey foreignKey, object? key) =>
        foreignKey.Properties[0].PropertyInfo!.SetValue(child, key);

    private static NpgsqlParameter Parameter(IProperty property, RelationalTypeMapping mapping, object row) =>
        // The mapping converts the value (enums to their wire names) and types the parameter (jsonb,
        // character(n)) exactly as EF Core's own commands do.
        (NpgsqlParameter)mapping.CreateParameter(
            ParameterFactory, "", property.GetGetter().GetClrValueUsingContainingEntity(row), property.IsNullable, ParameterDirection.Input);

    private string InsertSql(IForeignKey? via)
    {
        var viaColumn = via?.Properties[0];
        var names = new List<string>();
        var values = new List<string>();
        var parameters = 0;
        foreach (var (property, _) in _columns)
        {
            names.Add(Quote(property.GetColumnName(_table)!));
            if (property == viaColumn)
            {
                var principal = via!.PrincipalEntityType;
                var principalTable = StoreObjectIdentifier.Table(principal.GetTableName()!, principal.GetSchema());
                var principalKey = via.PrincipalKey.Properties[0].GetColumnName(principalTable)!;
                values.Add($"currval(pg_get_serial_sequence('{Quote(principalTable.Name).Replace("'", "''", StringComparison.Ordinal)}', '{principalKey.Replace("'", "''", StringComparison.Ordinal)}'))");
            }
            else
            {
                values.Add("$" + (++parameters).ToString(CultureInfo.InvariantCulture));
            }
        }
        var sql = $"INSERT INTO {_tableName} ({string.Join(", ", names)}) VALUES ({string.Join(", ", values)})";
        return HasGeneratedKey ? $"{sql} RETURNING {Quote(_key.GetColumnName(_table)!)}" : sql;
    }

    private string UpdateSql(ulong changed)
    {
        var sql = new StringBuilder("UPDATE ").Append(_tableName).Append(" SET ");
        var n = 0;
        for (var i = 0; i < _updatable.Length; i++)
        {
            if ((changed & (1UL << i)) != 0)
            {
                sql.Append(n > 0 ? ", " : "").Append(Quote(_updatable[i].Property.GetColumnName(_table)!)).Append(" = $").Append(++n);
            }
        }
        return sql.Append(" WHERE ").Append(Quote(_key.GetColumnName(_table)!)).Append(" = $").Append(n + 1).ToString();
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
