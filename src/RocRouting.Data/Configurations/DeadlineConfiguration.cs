using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RocRouting.Cases;

namespace RocRouting.Data.Configurations;

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
