using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RocRouting.Cases;

namespace RocRouting.Data.Configurations;

internal sealed class CaseRouteConfiguration : IEntityTypeConfiguration<CaseRoute>
{
    public void Configure(EntityTypeBuilder<CaseRoute> builder)
    {
        builder.ToTable("case_routes");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).UseIdentityAlwaysColumn();
        builder.HasRecipientColumns(null, r => r.RecipientKind, r => r.RecipientMunicipalityCode, r => r.RecipientServiceId, r => r.Recipient);
        builder.Property(r => r.RuleId).HasMaxLength(64);
        builder.Property(r => r.Reason).HasMaxLength(500);
        builder.Property(r => r.ConfigurationVersion).HasMaxLength(64);
        // One first decision per case, however often CaseSubmitted is delivered.
        builder.HasIndex(r => new { r.CaseId, r.Sequence }).IsUnique();
        builder.HasMany(r => r.Signals).WithOne().HasForeignKey(s => s.RouteId);
    }
}
