using System.Buffers;
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
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }
        // Parsed where Kestrel received it (its pooled buffers), not copied into arrays of our own:
        // the copies were a measured share of the API's allocations per case (README, performance).
        var reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken);
            var body = read.Buffer;
            if (body.Length > maxBytes)
            {
                reader.AdvanceTo(body.End);
                return (null, TooLarge(maxBytes));
            }
            if (!read.IsCompleted)
            {
                reader.AdvanceTo(body.Start, body.End);
                continue;
            }
            try
            {
                return Parse<T>(body);
            }
            finally
            {
                reader.AdvanceTo(body.End);
            }
        }
    }

    private static (T? Value, IResult? Problem) Parse<T>(ReadOnlySequence<byte> body)
        where T : class
    {
        // The span overload insists on exactly one JSON value (trailing content is an error); a body
        // that arrived in several segments is joined in a pooled array for it.
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> json;
            if (body.IsSingleSegment)
            {
                json = body.FirstSpan;
            }
            else
            {
                rented = ArrayPool<byte>.Shared.Rent((int)body.Length);
                body.CopyTo(rented);
                json = rented.AsSpan(0, (int)body.Length);
            }
            var value = JsonSerializer.Deserialize<T>(json, Options);
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
        finally
        {
            if (rented is not null)
            {
                // Cleared: the body holds personal data, and the pool hands the array to other code.
                ArrayPool<byte>.Shared.Return(rented, clearArray: true);
            }
        }
    }

    private static ProblemHttpResult TooLarge(int maxBytes) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"The body may be at most {maxBytes} bytes.");

    public static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
