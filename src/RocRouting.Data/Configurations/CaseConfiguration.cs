using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RocRouting.Cases;
using RocRouting.Contracts;

namespace RocRouting.Data.Configurations;

internal sealed class CaseConfiguration : IEntityTypeConfiguration<ChildCase>
{
    /// <summary>
    /// A case's place in its queue, before its deadline: the most urgent first, and within an urgency
    /// those nobody has taken before those taken. Kept by PostgreSQL (a stored generated column), so
    /// no writer can forget it.
    /// </summary>
    internal const string QueueRank = "QueueRank";

    private static readonly string QueueRankSql =
        $"(CASE urgency WHEN '{Wire.Name(Urgency.Immediate)}' THEN 0 WHEN '{Wire.Name(Urgency.Urgent)}' THEN 2 ELSE 4 END"
        + " + CASE WHEN acknowledged_at IS NULL THEN 0 ELSE 1 END)::smallint";

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
        // A child's earlier cases, newest first (CaseQueries.EarlierCases): the first rows of this index.
        builder.HasIndex(c => new { c.ChildKey, c.SubmittedAt });
        builder.Property(c => c.ReportedByOfficerId).HasMaxLength(64);
        builder.Property(c => c.ReportedByUnit).HasMaxLength(64);
        builder.Property(c => c.ReportedByPhone).HasMaxLength(32);
        builder.Property(c => c.PoliceReference).HasMaxLength(64);
        builder.Property(c => c.SubmittedBy).HasMaxLength(128);
        builder.Property(c => c.SubmittedByUnit).HasMaxLength(64);
        builder.Property(c => c.IdempotencyKey).HasMaxLength(128);
        builder.HasIndex(c => new { c.SubmittedBy, c.IdempotencyKey }).IsUnique();
        builder.HasRecipientColumns(c => c.RecipientKind, null, c => c.RecipientMunicipalityCode, c => c.RecipientServiceId, c => c.Recipient);
        builder.Property(c => c.Outcome).HasWireConversion().HasMaxLength(32);
        builder.Ignore(c => c.IsOpen);
        builder.Ignore(c => c.IsRouted);
        builder.Ignore(c => c.CurrentRoute);
        // The queues: open cases of one recipient in the order staff should look at them (CaseQueries.QueueAsync),
        // so a page is the first rows of an index, however many cases are open; sorting every open case
        // of the socialjour for each console's read was most of PostgreSQL's work while consoles listened.
        // A case is in the index of its own kind of recipient only, and in none until it is routed: every
        // entry is one more write per case.
        builder.Property<short>(QueueRank).HasComputedColumnSql(QueueRankSql, stored: true);
        builder.HasIndex(nameof(ChildCase.RecipientMunicipalityCode), QueueRank, nameof(ChildCase.AcknowledgeBy), nameof(ChildCase.Id))
            .HasFilter("closed_at IS NULL AND recipient_municipality_code IS NOT NULL").HasDatabaseName("ix_cases_queue_municipality");
        builder.HasIndex(nameof(ChildCase.RecipientServiceId), QueueRank, nameof(ChildCase.AcknowledgeBy), nameof(ChildCase.Id))
            .HasFilter("closed_at IS NULL AND recipient_service_id IS NOT NULL").HasDatabaseName("ix_cases_queue_service");
        // The sweeper's question, "which cases are stuck unrouted": only cases not yet routed are in it.
        builder.HasIndex(c => c.SubmittedAt).HasFilter("status = 'submitted'");
        builder.HasMany(c => c.Acknowledgements).WithOne().HasForeignKey(a => a.CaseId);
        builder.HasMany(c => c.Events).WithOne().HasForeignKey(e => e.CaseId);
        builder.HasMany(c => c.Routes).WithOne().HasForeignKey(r => r.CaseId);
    }
}
