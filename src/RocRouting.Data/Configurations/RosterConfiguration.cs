using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Routing;

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
        builder.Property(d => d.Role).HasConversion(RosterMappings.Role).HasMaxLength(32);
        builder.HasIndex(d => d.Organisation);
    }
}

internal sealed class RosterOverrideConfiguration : IEntityTypeConfiguration<RosterOverride>
{
    public void Configure(EntityTypeBuilder<RosterOverride> builder)
    {
        builder.ToTable("roster_overrides");
        builder.HasKey(o => o.Id);
        builder.Property(o => o.Id).ValueGeneratedNever();
        builder.Property(o => o.Organisation).HasMaxLength(100);
        builder.Property(o => o.Person).HasMaxLength(200);
        builder.Property(o => o.Replaces).HasMaxLength(200);
        builder.Property(o => o.Role).HasConversion(RosterMappings.Role).HasMaxLength(32);
        builder.HasIndex(o => new { o.Organisation, o.To });
    }
}

/// <summary>A role as its wire name.</summary>
internal static class RosterMappings
{
    public static readonly ValueConverter<DutyRole, string> Role = new(v => Wire.Name(v), s => Wire.Parse<DutyRole>(s));
}
