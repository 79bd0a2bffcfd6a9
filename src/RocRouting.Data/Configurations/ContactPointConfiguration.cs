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
