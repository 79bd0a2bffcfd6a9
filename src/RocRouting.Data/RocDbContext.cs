using System.Text;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;
using RocRouting.Data.Outbox;

namespace RocRouting.Data;

/// <summary>The unit of work: every state change and the outbox rows announcing it commit together.</summary>
public sealed class RocDbContext(DbContextOptions<RocDbContext> options) : DbContext(options), ICaseUnitOfWork, IDataProtectionKeyContext
{
    /// <summary>
    /// ASP.NET Core's Data Protection keys, shared by every API instance: a console session, an
    /// antiforgery token or a sign-in in progress made by one instance is read by any other.
    /// </summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<ChildCase> Cases => Set<ChildCase>();

    public DbSet<CaseEvent> CaseEvents => Set<CaseEvent>();

    public DbSet<CaseRoute> CaseRoutes => Set<CaseRoute>();

    public DbSet<Signal> Signals => Set<Signal>();

    public DbSet<Acknowledgement> Acknowledgements => Set<Acknowledgement>();

    public DbSet<Deadline> Deadlines => Set<Deadline>();

    public DbSet<InboxItem> InboxItems => Set<InboxItem>();

    public DbSet<WorkerStatus> WorkerStatuses => Set<WorkerStatus>();

    public DbSet<Delivery> Deliveries => Set<Delivery>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<RosterDuty> RosterDuties => Set<RosterDuty>();

    public DbSet<RosterOverride> RosterOverrides => Set<RosterOverride>();

    public DbSet<ContactPoint> ContactPoints => Set<ContactPoint>();

    public DbSet<Notification> Notifications => Set<Notification>();

    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    /// <summary>Set when outbox rows were saved and their commit has not yet woken the relay.</summary>
    internal bool OutboxPending { get; set; }

    /// <summary>Rows saved under <see cref="OutboxTransaction"/>, handed to the relay when it commits.</summary>
    internal List<OutboxMessage> OutboxRows { get; } = [];

    internal System.Data.Common.DbTransaction? OutboxTransaction { get; set; }

    void ICaseUnitOfWork.Add<TEntity>(TEntity entity) => Add(entity);

    /// <summary>Adds a message to publish once the current unit of work commits (one no process publishes, Outbox:PublishCaseRouted, is dropped at the save).</summary>
    public void Enqueue<T>(T message, Guid messageId, DateTimeOffset now, string? traceParent = null) where T : class =>
        OutboxMessages.Add(OutboxMessage.For(message, messageId, now, traceParent));

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(RocDbContext).Assembly);
        UseSnakeCase(modelBuilder);
    }

    /// <summary>snake_case names for everything EF did not get an explicit name for (EFCore.NamingConventions is not served here).</summary>
    private static void UseSnakeCase(ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            var table = entity.GetTableName()!;
            entity.SetTableName(SnakeCase(table));
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
            foreach (var key in entity.GetKeys())
            {
                key.SetName(SnakeCase(key.GetName()!));
            }
            foreach (var fk in entity.GetForeignKeys())
            {
                fk.SetConstraintName(SnakeCase(fk.GetConstraintName()!));
            }
            foreach (var index in entity.GetIndexes())
            {
                index.SetDatabaseName(SnakeCase(index.GetDatabaseName()!));
            }
        }
    }

    internal static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && name[i - 1] != '_' && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
                {
                    sb.Append('_');
                }
                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }
}
