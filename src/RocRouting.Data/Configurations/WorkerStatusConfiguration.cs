using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace RocRouting.Data.Configurations;

internal sealed class WorkerStatusConfiguration : IEntityTypeConfiguration<WorkerStatus>
{
    public void Configure(EntityTypeBuilder<WorkerStatus> builder)
    {
        builder.ToTable("worker_status");
        builder.HasKey(w => w.Instance);
        builder.Property(w => w.Instance).HasMaxLength(128);
    }
}
