using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using RocRouting.Contracts;

namespace RocRouting.Data.Configurations;

/// <summary>How values the service stores in many tables are mapped, written once.</summary>
internal static class Mappings
{
    /// <summary>
    /// A <see cref="Recipient"/> as three columns (recipient_kind, recipient_municipality_code,
    /// recipient_service_id). Columns rather than an EF complex type because the queues' and inboxes'
    /// indexes lead with the recipient and EF Core cannot index a complex type's properties.
    /// </summary>
    public static void HasRecipientColumns<T>(
        this EntityTypeBuilder<T> builder,
        Expression<Func<T, RecipientKind?>>? optionalKind,
        Expression<Func<T, RecipientKind>>? kind,
        Expression<Func<T, string?>> municipalityCode,
        Expression<Func<T, string?>> serviceId,
        Expression<Func<T, object?>> recipient) where T : class
    {
        if (optionalKind is not null)
        {
            builder.Property(optionalKind).HasWireConversion().HasMaxLength(32);
        }
        if (kind is not null)
        {
            builder.Property(kind).HasWireConversion().HasMaxLength(32);
        }
        builder.Property(municipalityCode).HasMaxLength(4).IsFixedLength();
        builder.Property(serviceId).HasMaxLength(64);
        builder.Ignore(recipient);
    }

    public static PropertyBuilder<TEnum?> HasWireConversion<TEnum>(this PropertyBuilder<TEnum?> property)
        where TEnum : struct, Enum =>
        property.HasConversion(new ValueConverter<TEnum, string>(v => Wire.Name(v), s => Wire.Parse<TEnum>(s)));

    /// <summary>Enums are stored as their kebab-case wire names ("absconded-from-care").</summary>
    public static PropertyBuilder<TEnum> HasWireConversion<TEnum>(this PropertyBuilder<TEnum> property)
        where TEnum : struct, Enum =>
        property.HasConversion(v => Wire.Name(v), s => Wire.Parse<TEnum>(s));
}
