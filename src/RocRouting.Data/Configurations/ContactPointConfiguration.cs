using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RocRouting.Cases;

namespace RocRouting.Data.Configurations;

internal sealed class ContactPointConfiguration : IEntityTypeConfiguration<ContactPoint>
{
    public void Configure(EntityTypeBuilder<ContactPoint> builder)
    {
        builder.ToTable("contact_points");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).ValueGeneratedNever();
        builder.Property(c => c.Person).HasMaxLength(200);
        builder.Property(c => c.Channel).HasWireConversion().HasMaxLength(16);
        builder.Property(c => c.Service).HasMaxLength(253);
        builder.HasIndex(c => new { c.Person, c.Channel, c.Fingerprint }).IsUnique();
    }
}

internal sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> builder)
    {
        builder.ToTable("notifications");
        builder.HasKey(n => n.Id);
        builder.Property(n => n.Id).ValueGeneratedNever();
        builder.Property(n => n.Step).HasMaxLength(64);
        builder.Property(n => n.Organisation).HasMaxLength(100);
        builder.Property(n => n.Person).HasMaxLength(200);
        builder.Property(n => n.Channel).HasWireConversion().HasMaxLength(16);
        builder.Property(n => n.State).HasWireConversion().HasMaxLength(16);
        builder.Property(n => n.LastError).HasMaxLength(500);
        builder.Property(n => n.GatewayId).HasMaxLength(100);
        builder.HasIndex(n => n.GatewayId).HasFilter("gateway_id IS NOT NULL");
        builder.HasIndex(n => new { n.CaseId, n.Step, n.Person, n.Channel }).IsUnique();
        // The sender's claim: pending and due, oldest first.
        builder.HasIndex(n => n.NextAttemptAt).HasFilter("state = 'pending'").HasDatabaseName("ix_notifications_due");
        // Every round of the sender sweeps SMS left 'sending' by a worker that died: without this the
        // sweep read the whole table each time, a cost per case that grew with every case (measured:
        // the largest statement under load, 0.5 ms a round with 4,000 rows).
        builder.HasIndex(n => n.LeaseUntil).HasFilter("state = 'sending'").HasDatabaseName("ix_notifications_sending");
        builder.HasOne<ChildCase>().WithMany().HasForeignKey(n => n.CaseId);
    }
}
