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
/// types), so the mapping stays written once, in the entity configurations. The new rows of a table
/// go together, several to a statement (a routing transaction of a hundred cases sends a few
/// statements per table, not hundreds: README, Performance), the tables above along foreign keys
/// first; then the updates. Columns the database generates are left to it; a generated key is read
/// back (RETURNING, in the order of the rows, as PostgreSQL returns an INSERT's rows), and the
/// dependents in a new row's collection navigations (a route's deadlines), written in the same batch
/// before that, find it by the parent's unique columns.
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

    /// <summary>Adds a message to publish once the batch commits; one no process publishes (Outbox:PublishCaseRouted) is not written.</summary>
    public void Enqueue<T>(T message, Guid messageId, DateTimeOffset now, string? traceParent = null) where T : class
    {
        if (_writer.Publishes(typeof(T)))
        {
            Add(OutboxMessage.For(message, messageId, now, traceParent));
        }
    }

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

    internal bool Publishes(Type messageType) => options.Value.Publishes(messageType);

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
        var statements = new Statements();
        var own = within is null ? await dataSource.OpenConnectionAsync(cancellationToken) : null;
        await using (own)
        await using (var batch = new NpgsqlBatch(within ?? own))
        {
            foreach (var step in steps)
            {
                if (step.Snapshot is null)
                {
                    AddInsert(statements, step.Row, step.Plan, parent: null);
                }
                else if (step.Plan.Changes(step.Row, step.Snapshot) is var changed and not 0)
                {
                    statements.AddUpdate(step.Plan, step.Row, changed);
                }
            }
            var genericPlans = statements.ManyRows;
            if (genericPlans)
            {
                batch.BatchCommands.Add(GenericPlans.Command());
            }
            foreach (var command in statements.Commands())
            {
                batch.BatchCommands.Add(command);
            }
            using var activity = BatchTracing.StartUnlessTracedByNpgsql(batch);
            try
            {
                await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
                {
                    if (genericPlans)
                    {
                        await reader.NextResultAsync(cancellationToken);
                    }
                    // One result per RETURNING, in statement order (statements without rows yield none),
                    // its keys in the order of its rows.
                    foreach (var (plan, rows) in statements.Returning)
                    {
                        foreach (var row in rows)
                        {
                            if (!await reader.ReadAsync(cancellationToken))
                            {
                                throw new InvalidOperationException($"No key came back for a new {plan.Name} row.");
                            }
                            var key = plan.SetGeneratedKey(row.Row, reader.GetValue(0));
                            foreach (var (dependent, foreignKey) in row.Dependents ?? [])
                            {
                                RowPlan.SetForeignKey(dependent, foreignKey, key);
                            }
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
        if (statements.Updates.Find(u => u.Command.RecordsAffected != u.Rows) is { Command: { } missed } update)
        {
            // Not reached while rows are attached once each, as read by their key; a bug if it is.
            throw new InvalidOperationException($"An update by key of {update.Rows} rows changed {missed.RecordsAffected}: {missed.CommandText}");
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

    /// <param name="parent">The new row (and the foreign key to it) whose key the database generates: the row finds it by the parent's unique columns.</param>
    private void AddInsert(Statements statements, object row, RowPlan plan, (NewRow Row, RowPlan Plan, IForeignKey Key)? parent)
    {
        var added = new NewRow(row, parent?.Row.Row, plan.HasGeneratedKey ? [] : null);
        statements.AddInsert(plan, parent is { } p ? (p.Plan, p.Key) : null, added);
        foreach (var (navigation, foreignKey) in plan.Dependents)
        {
            if (navigation.GetGetter().GetClrValueUsingContainingEntity(row) is not System.Collections.IEnumerable children)
            {
                continue;
            }
            var childPlan = PlanFor(foreignKey.DeclaringEntityType.ClrType);
            foreach (var child in children)
            {
                if (added.Dependents is null)
                {
                    // The parent's key is the client's: the child carries it as any other value.
                    plan.CopyKey(row, child, foreignKey);
                    AddInsert(statements, child, childPlan, parent: null);
                }
                else
                {
                    added.Dependents.Add((child, foreignKey));
                    AddInsert(statements, child, childPlan, (added, plan, foreignKey));
                }
            }
        }
    }

    /// <summary>A new row; the parent whose generated key it takes; the rows in the batch that take its own generated key.</summary>
    internal sealed record NewRow(object Row, object? Parent, List<(object Row, IForeignKey Key)>? Dependents);

    /// <summary>
    /// A batch's statements in the order they run, and what each sends back: the new rows of each table
    /// together, parents' tables before their children's, then the updates by key, those of each
    /// table with the same changed columns together.
    /// </summary>
    private sealed class Statements
    {
        private readonly List<(RowPlan Plan, (RowPlan Plan, IForeignKey Key)? Parent, List<NewRow> Rows)> _inserts = [];
        private readonly List<(RowPlan Plan, ulong Changed, List<object> Rows)> _updates = [];

        /// <summary>Each update and the rows it must change.</summary>
        public List<(NpgsqlBatchCommand Command, int Rows)> Updates { get; } = [];

        /// <summary>Whether a statement writes several rows of one table (from arrays).</summary>
        public bool ManyRows => _inserts.Exists(g => g.Rows.Count > 1) || _updates.Exists(u => u.Rows.Count > 1);

        /// <summary>The new rows whose keys come back, per statement with a RETURNING.</summary>
        public List<(RowPlan Plan, IReadOnlyList<NewRow> Rows)> Returning { get; } = [];

        public void AddInsert(RowPlan plan, (RowPlan Plan, IForeignKey Key)? parent, NewRow row)
        {
            var group = _inserts.Find(g => g.Plan == plan && g.Parent == parent).Rows;
            if (group is null)
            {
                _inserts.Add((plan, parent, group = []));
            }
            group.Add(row);
        }

        public void AddUpdate(RowPlan plan, object row, ulong changed)
        {
            var group = _updates.Find(u => u.Plan == plan && u.Changed == changed).Rows;
            if (group is null)
            {
                _updates.Add((plan, changed, group = []));
            }
            group.Add(row);
        }

        /// <summary>The statements: one per table (and parent) for its new rows, one per table and set of changed columns for its updates.</summary>
        public IEnumerable<NpgsqlBatchCommand> Commands()
        {
            // A stable sort: tables of the same depth keep the order their first rows were added in.
            foreach (var (plan, parent, rows) in _inserts.OrderBy(g => g.Plan.Depth))
            {
                yield return plan.Insert(rows, parent);
                if (plan.HasGeneratedKey)
                {
                    Returning.Add((plan, rows));
                }
            }
            foreach (var (plan, changed, rows) in _updates)
            {
                var command = plan.Update(rows, changed);
                Updates.Add((command, rows.Count));
                yield return command;
            }
        }
    }
}

/// <summary>One entity's statements, from the model: their SQL built once per shape (one row or several, changed columns, parent).</summary>
internal sealed class RowPlan
{
    private static readonly NpgsqlCommand ParameterFactory = new();
    private readonly StoreObjectIdentifier _table;
    private readonly string _tableName;
    private readonly IProperty _key;
    private readonly (IProperty Property, RelationalTypeMapping Mapping)[] _columns;
    private readonly (IProperty Property, RelationalTypeMapping Mapping)[] _updatable;
    private readonly ConcurrentDictionary<ulong, string> _updates = new();
    private readonly ConcurrentDictionary<(IForeignKey? Via, bool Arrays), string> _inserts = new();
    private readonly ConcurrentDictionary<ulong, string> _updatesOfRows = new();

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
        Depth = DepthOf(entity, []);
        Dependents = [.. entity.GetNavigations().Where(n => n.IsCollection && !n.IsOnDependent).Select(n => (n, n.ForeignKey))];
        if (Dependents.Any(d => d.Key.Properties.Count != 1))
        {
            throw new NotSupportedException($"{Name} has a composite foreign key.");
        }
        // A new row's dependents are written in the same batch as it, before its generated key is known
        // here: they find it by columns of the parent that are unique and the client's.
        Lookup = HasGeneratedKey && Dependents.Length > 0
            ? entity.GetIndexes().Where(i => i.IsUnique && i.GetFilter() is null).Select(i => i.Properties)
                .Concat(entity.GetKeys().Where(k => !k.IsPrimaryKey()).Select(k => k.Properties))
                .FirstOrDefault(columns => columns.All(c => _columns.Any(k => k.Property == c)))?
                .Select(c => (c, (RelationalTypeMapping)c.GetTypeMapping())).ToArray()
                ?? throw new NotSupportedException($"{Name} has dependents and a generated key, but no unique columns of its own to find a new row by.")
            : [];
    }

    public string Name { get; }

    public bool HasGeneratedKey { get; }

    public (INavigation Navigation, IForeignKey Key)[] Dependents { get; }

    /// <summary>How many tables lie above this one along foreign keys: a batch writes a lower depth's new rows first.</summary>
    public int Depth { get; }

    /// <summary>Unique columns a new row's dependents find it by, when its key is generated.</summary>
    public (IProperty Property, RelationalTypeMapping Mapping)[] Lookup { get; }

    /// <summary>
    /// One INSERT of the rows. With a <paramref name="parent"/>, the rows' foreign key to it is looked up
    /// by the parent row's <see cref="Lookup"/> columns: the parent is new in the batch and its key generated.
    /// </summary>
    public NpgsqlBatchCommand Insert(IReadOnlyList<RowWriter.NewRow> rows, (RowPlan Plan, IForeignKey Key)? parent)
    {
        var via = parent?.Key.Properties[0];
        var arrays = rows.Count > 1;
        var command = new NpgsqlBatchCommand(_inserts.GetOrAdd((parent?.Key, arrays), shape => InsertSql(shape.Arrays, parent)));
        foreach (var (property, mapping) in _columns)
        {
            if (property != via)
            {
                command.Parameters.Add(arrays ? ArrayParameter(property, mapping, rows, r => r.Row) : Parameter(property, mapping, rows[0].Row));
                continue;
            }
            foreach (var (column, columnMapping) in parent!.Value.Plan.Lookup)
            {
                command.Parameters.Add(arrays ? ArrayParameter(column, columnMapping, rows, r => r.Parent!) : Parameter(column, columnMapping, rows[0].Parent!));
            }
        }
        return command;
    }

    /// <summary>Which of the updatable columns differ from the snapshot (a bit each; 0: none).</summary>
    public ulong Changes(object row, object?[] snapshot)
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
        return changed;
    }

    /// <summary>One UPDATE of the <paramref name="changed"/> columns of each row, by its key.</summary>
    public NpgsqlBatchCommand Update(IReadOnlyList<object> rows, ulong changed)
    {
        var arrays = rows.Count > 1;
        var command = new NpgsqlBatchCommand(arrays ? _updatesOfRows.GetOrAdd(changed, UpdateRowsSql) : _updates.GetOrAdd(changed, UpdateSql));
        for (var i = 0; i < _updatable.Length; i++)
        {
            if ((changed & (1UL << i)) != 0)
            {
                var (property, mapping) = _updatable[i];
                command.Parameters.Add(arrays ? ArrayParameter(property, mapping, rows, r => r) : Parameter(property, mapping, rows[0]));
            }
        }
        var keyMapping = (RelationalTypeMapping)_key.GetTypeMapping();
        command.Parameters.Add(arrays ? ArrayParameter(_key, keyMapping, rows, r => r) : Parameter(_key, keyMapping, rows[0]));
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

    /// <summary>
    /// A column's values for several rows as one array parameter (its elements as the mapping converts
    /// them, enums to their wire names); the statement casts it to the column's store type.
    /// </summary>
    private static NpgsqlParameter ArrayParameter<T>(IProperty property, RelationalTypeMapping mapping, IReadOnlyList<T> rows, Func<T, object> rowOf)
    {
        var provider = mapping.Converter?.ProviderClrType ?? property.ClrType;
        var element = Nullable.GetUnderlyingType(provider) ?? provider;
        var values = Array.CreateInstance(element.IsValueType ? typeof(Nullable<>).MakeGenericType(element) : element, rows.Count);
        var getter = property.GetGetter();
        for (var i = 0; i < rows.Count; i++)
        {
            var value = getter.GetClrValueUsingContainingEntity(rowOf(rows[i]));
            values.SetValue(mapping.Converter is { } converter ? converter.ConvertToProvider(value) : value, i);
        }
        return new NpgsqlParameter { Value = values };
    }

    private static NpgsqlParameter Parameter(IProperty property, RelationalTypeMapping mapping, object row) =>
        // The mapping converts the value (enums to their wire names) and types the parameter (jsonb,
        // character(n)) exactly as EF Core's own commands do.
        (NpgsqlParameter)mapping.CreateParameter(
            ParameterFactory, "", property.GetGetter().GetClrValueUsingContainingEntity(row), property.IsNullable, ParameterDirection.Input);

    /// <param name="arrays">
    /// Several rows: each column's values in one array, <c>SELECT … FROM unnest(…)</c>, so that a table has
    /// one statement text however many rows a batch holds, prepared once per connection and planned
    /// once. A text per row count was planned on nearly every call (README, Performance).
    /// </param>
    private string InsertSql(bool arrays, (RowPlan Plan, IForeignKey Key)? parent)
    {
        var via = parent?.Key.Properties[0];
        var sql = new StringBuilder("INSERT INTO ").Append(_tableName).Append(" (")
            .AppendJoin(", ", _columns.Select(c => Quote(c.Property.GetColumnName(_table)!))).Append(arrays ? ") SELECT " : ") VALUES (");
        var parameter = 0;
        var unnested = new List<string>();
        for (var column = 0; column < _columns.Length; column++)
        {
            if (column > 0)
            {
                sql.Append(", ");
            }
            var (property, mapping) = _columns[column];
            if (property != via)
            {
                sql.Append(arrays ? $"u.c{column}" : $"${++parameter}");
                if (arrays)
                {
                    unnested.Add($"${++parameter}::{mapping.StoreType}[]");
                }
                continue;
            }
            // One index lookup by the parent's unique columns, written before in the same transaction.
            var (plan, key) = parent!.Value;
            sql.Append("(SELECT ").Append(Quote(key.PrincipalKey.Properties[0].GetColumnName(plan._table)!))
                .Append(" FROM ").Append(plan._tableName).Append(" WHERE ");
            for (var i = 0; i < plan.Lookup.Length; i++)
            {
                sql.Append(i > 0 ? " AND " : "").Append(Quote(plan.Lookup[i].Property.GetColumnName(plan._table)!)).Append(" = ")
                    .Append(arrays ? $"u.c{column}_{i}" : $"${++parameter}");
                if (arrays)
                {
                    unnested.Add($"${++parameter}::{plan.Lookup[i].Mapping.StoreType}[]");
                }
            }
            sql.Append(')');
        }
        if (arrays)
        {
            var names = _columns.SelectMany((c, column) => c.Property != via ? [$"c{column}"] : parent!.Value.Plan.Lookup.Select((_, i) => $"c{column}_{i}"));
            sql.Append(" FROM unnest(").AppendJoin(", ", unnested).Append(") AS u (").AppendJoin(", ", names).Append(')');
        }
        else
        {
            sql.Append(')');
        }
        return HasGeneratedKey ? sql.Append(" RETURNING ").Append(Quote(_key.GetColumnName(_table)!)).ToString() : sql.ToString();
    }

    private static int DepthOf(IEntityType entity, HashSet<IEntityType> below)
    {
        if (!below.Add(entity))
        {
            throw new NotSupportedException($"{entity.DisplayName()}'s foreign keys go round in a cycle.");
        }
        var depth = entity.GetForeignKeys().Select(k => k.PrincipalEntityType).Where(p => p != entity)
            .Select(p => DepthOf(p, below) + 1).DefaultIfEmpty(0).Max();
        below.Remove(entity);
        return depth;
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

    /// <summary>UPDATE … FROM unnest(…): one text per set of changed columns, whatever the number of rows.</summary>
    private string UpdateRowsSql(ulong changed)
    {
        var columns = _updatable.Where((_, i) => (changed & (1UL << i)) != 0).Select(c => (c.Property, c.Mapping))
            .Append((Property: _key, Mapping: (RelationalTypeMapping)_key.GetTypeMapping())).ToArray();
        var names = columns.Select(c => Quote(c.Property.GetColumnName(_table)!)).ToArray();
        return new StringBuilder("UPDATE ").Append(_tableName).Append(" AS t SET ")
            .AppendJoin(", ", names[..^1].Select(n => $"{n} = v.{n}"))
            .Append(" FROM unnest(").AppendJoin(", ", columns.Select((c, i) => $"${i + 1}::{c.Mapping.StoreType}[]"))
            .Append(") AS v (").AppendJoin(", ", names).Append(") WHERE t.").Append(names[^1]).Append(" = v.").Append(names[^1]).ToString();
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
