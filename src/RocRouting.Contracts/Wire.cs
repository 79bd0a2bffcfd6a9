namespace RocRouting.Contracts;

/// <summary>
/// The kebab-case spelling used for enum values everywhere outside the process
/// (JSON bodies, database columns): "absconded-from-care", "social-emergency-service".
/// </summary>
public static class Wire
{
    public static string Name<TEnum>(TEnum value) where TEnum : struct, Enum =>
        Names<TEnum>.ByValue[value];

    public static bool TryParse<TEnum>(string? text, out TEnum value) where TEnum : struct, Enum
    {
        if (text is not null && Names<TEnum>.ByName.TryGetValue(text, out value))
        {
            return true;
        }
        value = default;
        return false;
    }

    public static TEnum Parse<TEnum>(string text) where TEnum : struct, Enum =>
        TryParse<TEnum>(text, out var value)
            ? value
            : throw new FormatException($"'{text}' is not a {typeof(TEnum).Name}.");

    public static IReadOnlyList<string> AllNames<TEnum>() where TEnum : struct, Enum => Names<TEnum>.All;

    private static class Names<TEnum> where TEnum : struct, Enum
    {
        public static readonly Dictionary<TEnum, string> ByValue =
            Enum.GetValues<TEnum>().ToDictionary(v => v, v => Kebab(v.ToString()));

        public static readonly Dictionary<string, TEnum> ByName =
            ByValue.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);

        public static readonly string[] All = [.. ByValue.Values];
    }

    private static string Kebab(string pascal)
    {
        var chars = new List<char>(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c) && i > 0)
            {
                chars.Add('-');
            }
            chars.Add(char.ToLowerInvariant(c));
        }
        return new string([.. chars]);
    }
}
