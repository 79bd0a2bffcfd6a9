using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RocRouting.Cases;

namespace RocRouting.Data.Configurations;

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
