using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace RocRouting.Api.Infrastructure;

/// <summary>
/// Strict JSON request bodies: application/json only, a size limit, unknown fields rejected, and
/// every failure answered as RFC 9457 problem details naming the field, never as a 500.
/// </summary>
public static class JsonBody
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        MaxDepth = 8,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
    };

    /// <summary>Reads and parses the body; on failure <c>Problem</c> holds the answer to send.</summary>
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the body as application/json."));
        }
        var body = await ReadLimitedAsync(request, maxBytes, cancellationToken);
        if (body is null)
        {
            return (null, Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"The body may be at most {maxBytes} bytes."));
        }
        try
        {
            var value = JsonSerializer.Deserialize<T>(body, Options);
            return value is null
                ? (null, TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["$"] = ["the body must be a JSON object"] }))
                : (value, null);
        }
        catch (JsonException e)
        {
            // The serializer's own message names .NET types; say what is wrong in the request's terms.
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "$" : e.Path.TrimStart('$', '.');
            var message = e.Message.Contains("could not be mapped", StringComparison.Ordinal)
                ? "is not a known field"
                : field == "$" ? "the body is not valid JSON" : "has the wrong JSON type or is malformed";
            return (null, TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }));
        }
    }

    public static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the body is larger.</summary>
    private static async Task<byte[]?> ReadLimitedAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
