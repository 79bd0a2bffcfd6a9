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
    public static Type ResolveType(string typeName) =>
        typeof(CaseSubmitted).Assembly.GetType(typeName)
        ?? AdditionalTypes.GetValueOrDefault(typeName)
        ?? throw new InvalidOperationException($"Outbox message type '{typeName}' is not a known contract.");

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
