using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RocRouting.Cases;

namespace RocRouting.Data.Configurations;

internal sealed class AcknowledgementConfiguration : IEntityTypeConfiguration<Acknowledgement>
{
    public void Configure(EntityTypeBuilder<Acknowledgement> builder)
    {
        builder.ToTable("case_acknowledgements");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).UseIdentityAlwaysColumn();
        builder.Property(a => a.Organisation).HasMaxLength(96);
        builder.Property(a => a.Subject).HasMaxLength(128);
        // Sealed (PersonalDataProtector): longer than the 1000 characters a person may write.
        builder.Property(a => a.SealedNote);
        // One acknowledgement per route: a second "I have it" returns the first.
        builder.HasIndex(a => a.RouteId).IsUnique();
        builder.HasOne<CaseRoute>().WithMany().HasForeignKey(a => a.RouteId);
    }
}
