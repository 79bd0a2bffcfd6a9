using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using RocRouting.Cases;
using RocRouting.Contracts;

namespace RocRouting.Data.Configurations;

internal sealed class CaseConfiguration : IEntityTypeConfiguration<ChildCase>
{
    public void Configure(EntityTypeBuilder<ChildCase> builder)
    {
        builder.ToTable("cases");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).ValueGeneratedNever();
        builder.Property(c => c.Status).HasWireConversion().HasMaxLength(32);
        builder.Property(c => c.Urgency).HasWireConversion().HasMaxLength(16);
        builder.Property(c => c.Category).HasWireConversion().HasMaxLength(32);
        builder.Property(c => c.HomeMunicipalityCode).HasMaxLength(4).IsFixedLength();
        builder.Property(c => c.FoundInMunicipalityCode).HasMaxLength(4).IsFixedLength();
        builder.HasIndex(c => c.ChildKey);
        builder.Property(c => c.ReportedByOfficerId).HasMaxLength(64);
        builder.Property(c => c.ReportedByUnit).HasMaxLength(64);
        builder.Property(c => c.ReportedByPhone).HasMaxLength(32);
        builder.Property(c => c.PoliceReference).HasMaxLength(64);
        builder.Property(c => c.SubmittedBy).HasMaxLength(128);
        builder.Property(c => c.SubmittedByUnit).HasMaxLength(64);
        builder.Property(c => c.IdempotencyKey).HasMaxLength(128);
        builder.HasIndex(c => new { c.SubmittedBy, c.IdempotencyKey }).IsUnique();
        builder.Property(c => c.RecipientKind).HasWireConversion().HasMaxLength(32);
        builder.Property(c => c.RecipientMunicipalityCode).HasMaxLength(4).IsFixedLength();
        builder.Property(c => c.RecipientServiceId).HasMaxLength(64);
        builder.Property(c => c.Outcome).HasWireConversion().HasMaxLength(32);
        builder.Ignore(c => c.Recipient);
        builder.Ignore(c => c.IsOpen);
        builder.Ignore(c => c.IsRouted);
        builder.Ignore(c => c.CurrentRoute);
        // The queues: open cases of one recipient, nearest deadline first.
        builder.HasIndex(c => new { c.RecipientMunicipalityCode, c.AcknowledgeBy }).HasFilter("closed_at IS NULL");
        builder.HasIndex(c => new { c.RecipientServiceId, c.AcknowledgeBy }).HasFilter("closed_at IS NULL");
        builder.HasMany(c => c.Acknowledgements).WithOne().HasForeignKey(a => a.CaseId);
        builder.HasMany(c => c.Events).WithOne().HasForeignKey(e => e.CaseId);
        builder.HasMany(c => c.Routes).WithOne().HasForeignKey(r => r.CaseId);
    }
}

internal sealed class CaseEventConfiguration : IEntityTypeConfiguration<CaseEvent>
{
    public void Configure(EntityTypeBuilder<CaseEvent> builder)
    {
        builder.ToTable("case_events");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).UseIdentityAlwaysColumn();
        builder.Property(e => e.Kind).HasWireConversion().HasMaxLength(32);
        builder.Property(e => e.Detail).HasMaxLength(1000);
        builder.HasIndex(e => new { e.CaseId, e.At });
    }
}

internal sealed class CaseRouteConfiguration : IEntityTypeConfiguration<CaseRoute>
{
    public void Configure(EntityTypeBuilder<CaseRoute> builder)
    {
        builder.ToTable("case_routes");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).UseIdentityAlwaysColumn();
        builder.Property(r => r.RecipientKind).HasWireConversion().HasMaxLength(32);
        builder.Property(r => r.RecipientMunicipalityCode).HasMaxLength(4).IsFixedLength();
        builder.Property(r => r.RecipientServiceId).HasMaxLength(64);
        builder.Property(r => r.RuleId).HasMaxLength(64);
        builder.Property(r => r.Reason).HasMaxLength(500);
        builder.Property(r => r.ConfigurationVersion).HasMaxLength(64);
        builder.Ignore(r => r.Recipient);
        // One first decision per case, however often CaseSubmitted is delivered.
        builder.HasIndex(r => new { r.CaseId, r.Sequence }).IsUnique();
        builder.HasMany(r => r.Signals).WithOne().HasForeignKey(s => s.RouteId);
    }
}

internal sealed class SignalConfiguration : IEntityTypeConfiguration<Signal>
{
    public void Configure(EntityTypeBuilder<Signal> builder)
    {
        builder.ToTable("signals");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.MunicipalityCode).HasMaxLength(4).IsFixedLength();
        builder.HasIndex(s => s.CaseId);
        builder.HasOne<ChildCase>().WithMany().HasForeignKey(s => s.CaseId);
    }
}

internal sealed class AcknowledgementConfiguration : IEntityTypeConfiguration<Acknowledgement>
{
    public void Configure(EntityTypeBuilder<Acknowledgement> builder)
    {
        builder.ToTable("case_acknowledgements");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).UseIdentityAlwaysColumn();
        builder.Property(a => a.Organisation).HasMaxLength(96);
        builder.Property(a => a.Subject).HasMaxLength(128);
        builder.Property(a => a.Note).HasMaxLength(1000);
        // One acknowledgement per route: a second "I have it" returns the first.
        builder.HasIndex(a => a.RouteId).IsUnique();
        builder.HasOne<CaseRoute>().WithMany().HasForeignKey(a => a.RouteId);
    }
}

internal sealed class DeadlineConfiguration : IEntityTypeConfiguration<Deadline>
{
    public void Configure(EntityTypeBuilder<Deadline> builder)
    {
        builder.ToTable("case_deadlines");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).UseIdentityAlwaysColumn();
        builder.Property(d => d.Kind).HasWireConversion().HasMaxLength(32);
        builder.Property(d => d.TraceParent).HasMaxLength(128);
        builder.HasIndex(d => d.DueAt).HasFilter("fired_at IS NULL").HasDatabaseName("ix_case_deadlines_pending");
        builder.HasIndex(d => d.CaseId);
        builder.HasOne<ChildCase>().WithMany().HasForeignKey(d => d.CaseId);
        builder.HasOne<CaseRoute>().WithMany(r => r.Deadlines).HasForeignKey(d => d.RouteId);
    }
}

internal sealed class InboxItemConfiguration : IEntityTypeConfiguration<InboxItem>
{
    public void Configure(EntityTypeBuilder<InboxItem> builder)
    {
        builder.ToTable("inbox_items");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Id).ValueGeneratedNever();
        builder.Property(i => i.TxId).HasDefaultValueSql("(pg_current_xact_id()::text)::bigint").ValueGeneratedOnAdd();
        builder.Property(i => i.RecipientKind).HasWireConversion().HasMaxLength(32);
        builder.Property(i => i.RecipientMunicipalityCode).HasMaxLength(4).IsFixedLength();
        builder.Property(i => i.RecipientServiceId).HasMaxLength(64);
        builder.Property(i => i.Kind).HasWireConversion().HasMaxLength(16);
        builder.Property(i => i.Urgency).HasWireConversion().HasMaxLength(16);
        builder.Ignore(i => i.Recipient);
        builder.HasIndex(i => new { i.RecipientMunicipalityCode, i.TxId, i.Id });
        builder.HasIndex(i => new { i.RecipientServiceId, i.TxId, i.Id });
        builder.HasIndex(i => i.CaseId);
        builder.HasOne<ChildCase>().WithMany().HasForeignKey(i => i.CaseId);
        builder.HasOne<CaseRoute>().WithMany(r => r.InboxItems).HasForeignKey(i => i.RouteId);
    }
}

internal sealed class DeliveryConfiguration : IEntityTypeConfiguration<Delivery>
{
    public void Configure(EntityTypeBuilder<Delivery> builder)
    {
        builder.ToTable("deliveries");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).ValueGeneratedNever();
        builder.Property(d => d.Recipient).HasMaxLength(96);
        builder.Property(d => d.State).HasWireConversion().HasMaxLength(16);
        builder.Property(d => d.LastError).HasMaxLength(500);
        builder.Property(d => d.TraceParent).HasMaxLength(128);
        builder.HasIndex(d => d.NextAttemptAt).HasFilter("state = 'pending'").HasDatabaseName("ix_deliveries_pending");
        builder.HasIndex(d => d.InboxItemId);
        builder.HasOne<InboxItem>().WithMany().HasForeignKey(d => d.InboxItemId);
    }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("audit_entries");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).UseIdentityAlwaysColumn();
        builder.Property(a => a.Subject).HasMaxLength(128);
        builder.Property(a => a.Role).HasMaxLength(32);
        builder.Property(a => a.Organisation).HasMaxLength(96);
        builder.Property(a => a.Action).HasMaxLength(64);
        builder.Property(a => a.Outcome).HasMaxLength(16);
        // No foreign key to cases: the trail outlives erased personal data and must never cascade.
        builder.HasIndex(a => new { a.CaseId, a.Id });
        builder.HasIndex(a => new { a.Subject, a.Id });
        builder.HasIndex(a => a.At);
    }
}

internal static class WireConversion
{
    public static PropertyBuilder<TEnum?> HasWireConversion<TEnum>(this PropertyBuilder<TEnum?> property)
        where TEnum : struct, Enum =>
        property.HasConversion(new ValueConverter<TEnum, string>(v => Wire.Name(v), s => Wire.Parse<TEnum>(s)));

    /// <summary>Enums are stored as their kebab-case wire names ("absconded-from-care").</summary>
    public static PropertyBuilder<TEnum> HasWireConversion<TEnum>(this PropertyBuilder<TEnum> property)
        where TEnum : struct, Enum =>
        property.HasConversion(v => Wire.Name(v), s => Wire.Parse<TEnum>(s));
}

internal sealed class WorkerStatusConfiguration : IEntityTypeConfiguration<WorkerStatus>
{
    public void Configure(EntityTypeBuilder<WorkerStatus> builder)
    {
        builder.ToTable("worker_status");
        builder.HasKey(w => w.Instance);
        builder.Property(w => w.Instance).HasMaxLength(128);
    }
}
