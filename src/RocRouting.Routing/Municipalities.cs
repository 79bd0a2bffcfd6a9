using System.Collections.Frozen;
using System.Globalization;

namespace RocRouting.Routing;

public sealed record Municipality(string Code, string Name, string CountyCode);

public sealed record County(string Code, string Name, string ShortName);

/// <summary>
/// The official register of Sweden's 290 municipalities and 21 counties (SCB codes), shipped
/// with the service so that an unknown code can be rejected at the edge.
/// </summary>
public sealed class MunicipalityRegister
{
    public const string StockholmCountyCode = "01";

    private static readonly Lazy<MunicipalityRegister> OfficialRegister = new(LoadOfficial);

    private readonly FrozenDictionary<string, Municipality> _byCode;
    private readonly FrozenDictionary<string, County> _counties;

    public MunicipalityRegister(IEnumerable<Municipality> municipalities, IEnumerable<County> counties)
    {
        _byCode = municipalities.ToFrozenDictionary(m => m.Code, StringComparer.Ordinal);
        _counties = counties.ToFrozenDictionary(c => c.Code, StringComparer.Ordinal);
        All = [.. _byCode.Values.OrderBy(m => m.Code, StringComparer.Ordinal)];
    }

    public static MunicipalityRegister Official => OfficialRegister.Value;

    public IReadOnlyList<Municipality> All { get; }

    public bool Contains(string? code) => code is not null && _byCode.ContainsKey(code);

    public Municipality? Find(string? code) => code is not null && _byCode.TryGetValue(code, out var m) ? m : null;

    public Municipality Get(string code) =>
        Find(code) ?? throw new KeyNotFoundException($"Municipality code '{code}' is not in the official register.");

    public County? CountyOf(Municipality municipality) => _counties.GetValueOrDefault(municipality.CountyCode);

    public IEnumerable<Municipality> InCounty(string countyCode) => All.Where(m => m.CountyCode == countyCode);

    private static MunicipalityRegister LoadOfficial() => new(
        ReadCsv("municipalities.csv").Select(f => new Municipality(f[0], f[1], f[2])),
        ReadCsv("counties.csv").Select(f => new County(f[0], f[1], f[2])));

    private static List<string[]> ReadCsv(string name)
    {
        var resource = $"RocRouting.Routing.Data.{name}";
        using var stream = typeof(MunicipalityRegister).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded resource {resource} is missing.");
        using var reader = new StreamReader(stream);
        var rows = new List<string[]>();
        reader.ReadLine(); // header
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            // The register has no quoted fields; a comma in a name would be a data error worth failing on.
            var fields = line.Split(',');
            if (fields.Length != 3)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{name}: bad row '{line}'."));
            }
            rows.Add(fields);
        }
        return rows;
    }
}
