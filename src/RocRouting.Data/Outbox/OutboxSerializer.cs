using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using RocRouting.Contracts;

namespace RocRouting.Data.Outbox;

/// <summary>How outbox rows store messages: the contract's full type name and its JSON.</summary>
public static class OutboxSerializer
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static string TypeName(Type type) => type.FullName!;

    public static string Serialize<T>(T message) => JsonSerializer.Serialize(message, Options);

    /// <summary>Resolves a stored type name; only message contracts (and types the host registers) are accepted.</summary>
    /// <remarks>Remembered once resolved: a lookup by name through reflection for every publish showed in the relay's profile.</remarks>
    public static Type ResolveType(string typeName) =>
        Resolved.GetOrAdd(typeName, static name =>
            typeof(CaseSubmitted).Assembly.GetType(name)
            ?? AdditionalTypes.GetValueOrDefault(name)
            ?? throw new InvalidOperationException($"Outbox message type '{name}' is not a known contract."));

    private static readonly ConcurrentDictionary<string, Type> Resolved = new(StringComparer.Ordinal);

    public static object Deserialize(string payload, Type type) =>
        JsonSerializer.Deserialize(payload, type, Options)
        ?? throw new InvalidOperationException($"Outbox payload for {type.Name} is null.");

    private static readonly Dictionary<string, Type> AdditionalTypes = [];

    /// <summary>Lets a test or a later module relay its own message types through the same outbox.</summary>
    public static void Register(Type type)
    {
        lock (AdditionalTypes)
        {
            AdditionalTypes[TypeName(type)] = type;
        }
    }
}
