using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RocRouting.Cases;

namespace RocRouting.Data.Configurations;

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
