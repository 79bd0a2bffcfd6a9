using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RocRouting.Cases;

namespace RocRouting.Data.Configurations;

internal sealed class RosterDutyConfiguration : IEntityTypeConfiguration<RosterDuty>
{
    public void Configure(EntityTypeBuilder<RosterDuty> builder)
    {
        builder.ToTable("roster_duties");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).ValueGeneratedNever();
        builder.Property(d => d.Organisation).HasMaxLength(100);
        builder.Property(d => d.Person).HasMaxLength(200);
        builder.Property(d => d.Role).HasWireConversion().HasMaxLength(32);
        builder.HasIndex(d => d.Organisation);
    }
}

internal sealed class RosterOverrideConfiguration : IEntityTypeConfiguration<RosterOverride>
{
    public void Configure(EntityTypeBuilder<RosterOverride> builder)
    {
        builder.ToTable("roster_overrides", t => t.HasCheckConstraint("ck_roster_overrides_period", "\"from\" < \"to\""));
        builder.HasKey(o => o.Id);
        builder.Property(o => o.Id).ValueGeneratedNever();
        builder.Property(o => o.Organisation).HasMaxLength(100);
        builder.Property(o => o.Person).HasMaxLength(200);
        builder.Property(o => o.Replaces).HasMaxLength(200);
        builder.Property(o => o.Role).HasWireConversion().HasMaxLength(32);
        builder.HasIndex(o => new { o.Organisation, o.To });
    }
}
