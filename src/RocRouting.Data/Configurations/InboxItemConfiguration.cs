using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using RocRouting.Cases;

namespace RocRouting.Data.Configurations;

internal sealed class InboxItemConfiguration : IEntityTypeConfiguration<InboxItem>
{
    public void Configure(EntityTypeBuilder<InboxItem> builder)
    {
        builder.ToTable("inbox_items");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Id).ValueGeneratedNever();
        builder.Property(i => i.TxId).HasDefaultValueSql("(pg_current_xact_id()::text)::bigint").ValueGeneratedOnAdd();
        builder.HasRecipientColumns(null, i => i.RecipientKind, i => i.RecipientMunicipalityCode, i => i.RecipientServiceId, i => i.Recipient);
        builder.Property(i => i.Kind).HasWireConversion().HasMaxLength(16);
        builder.Property(i => i.Urgency).HasWireConversion().HasMaxLength(16);
        // A recipient's inbox page; an item is in the index of its own kind of recipient only.
        builder.HasIndex(i => new { i.RecipientMunicipalityCode, i.TxId, i.Id }).HasFilter("recipient_municipality_code IS NOT NULL");
        builder.HasIndex(i => new { i.RecipientServiceId, i.TxId, i.Id }).HasFilter("recipient_service_id IS NOT NULL");
        builder.HasIndex(i => i.CaseId);
        builder.HasOne<ChildCase>().WithMany().HasForeignKey(i => i.CaseId);
        builder.HasOne<CaseRoute>().WithMany(r => r.InboxItems).HasForeignKey(i => i.RouteId);
    }
}
