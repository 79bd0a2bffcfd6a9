using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RocRouting.Cases;

namespace RocRouting.Data.Configurations;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("audit_entries");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).UseIdentityAlwaysColumn();
        builder.Property(a => a.Subject).HasMaxLength(128);
        builder.Property(a => a.Role).HasMaxLength(200);
        builder.Property(a => a.Organisation).HasMaxLength(96);
        builder.Property(a => a.Action).HasMaxLength(64);
        builder.Property(a => a.Outcome).HasMaxLength(16);
        // No foreign key to cases: the trail outlives erased personal data and must never cascade.
        // The trail is read newest first by time, then id, whatever the filter: each filter has its index
        // in that order, so a page is the first rows of one, however old the window.
        builder.HasIndex(a => new { a.CaseId, a.At, a.Id });
        builder.HasIndex(a => new { a.Subject, a.At, a.Id });
        builder.HasIndex(a => new { a.At, a.Id });
    }
}
