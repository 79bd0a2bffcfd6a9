using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
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
        builder.Property(c => c.PersonalIdentityNumber).HasMaxLength(12);
        builder.Property(c => c.Summary).HasMaxLength(4000);
        builder.Property(c => c.ReportedByOfficerId).HasMaxLength(64);
        builder.Property(c => c.ReportedByUnit).HasMaxLength(64);
        builder.Property(c => c.ReportedByPhone).HasMaxLength(32);
        builder.Property(c => c.PoliceReference).HasMaxLength(64);
        builder.Property(c => c.SubmittedBy).HasMaxLength(128);
        builder.Property(c => c.SubmittedByUnit).HasMaxLength(64);
        builder.Property(c => c.IdempotencyKey).HasMaxLength(128);
        builder.HasIndex(c => new { c.SubmittedBy, c.IdempotencyKey }).IsUnique();
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

internal static class WireConversion
{
    /// <summary>Enums are stored as their kebab-case wire names ("absconded-from-care").</summary>
    public static PropertyBuilder<TEnum> HasWireConversion<TEnum>(this PropertyBuilder<TEnum> property)
        where TEnum : struct, Enum =>
        property.HasConversion(v => Wire.Name(v), s => Wire.Parse<TEnum>(s));
}
