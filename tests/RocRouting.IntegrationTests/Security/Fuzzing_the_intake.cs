using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.IntegrationTests.Infrastructure;
using RocRouting.Routing;

namespace RocRouting.IntegrationTests.Security;

/// <summary>Thousands of malformed bodies and headers: never a server error, never a case from an invalid request.</summary>
public sealed class Fuzzing_the_intake
{
    private static readonly string[] ContentTypes =
        ["application/json", "application/json; charset=utf-8", "text/plain", "application/xml", "application/problem+json", "multipart/form-data", ""];

    private static readonly string[] Fragments =
        ["{", "}", "[", "]", "\"", ":", ",", "null", "true", "-1", "1e309", "\"\\u0000\"", "\"9999\"", "\"0138\"", "{\"a\":", new string('[', 70), "\"urgency\"", "\u00e5\u00e4\u00f6", "\\"];

    [Test]
    public async Task Never_answers_500_and_never_stores_an_invalid_case()
    {
        var app = await RocApp.SharedAsync();
        using var police = app.Client(TestTokens.PoliceOfficer(unit: "Fuzz unit"));
        var random = new Random(20261122);
        var valid = CaseRequests.Valid().ToJsonString();
        var statuses = new Dictionary<HttpStatusCode, int>();
        var rejectedKeys = new List<string>();
        var accepted = new List<(string Key, string Body, string ContentType)>();

        for (var i = 0; i < 1500; i++)
        {
            var body = Mutate(valid, random);
            var key = i % 50 == 0 ? new string('k', random.Next(0, 200)) : $"fuzz-{i}-{random.Next()}";
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases") { Content = new StringContent(body, Encoding.UTF8) };
            request.Content.Headers.ContentType = null;
            var contentType = ContentTypes[random.Next(ContentTypes.Length)];
            if (contentType.Length > 0)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
            using var response = await police.SendAsync(request);
            statuses[response.StatusCode] = statuses.GetValueOrDefault(response.StatusCode) + 1;
            Assert.That((int)response.StatusCode, Is.LessThan(500), $"request {i}: {body}");
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                accepted.Add((key, body, contentType));
            }
            else if (response.StatusCode != HttpStatusCode.Conflict)
            {
                rejectedKeys.Add(key);
            }
        }

        var stored = await app.WithDbAsync(db => db.Cases.CountAsync(c => c.SubmittedByUnit == "Fuzz unit" && rejectedKeys.Contains(c.IdempotencyKey)));
        TestContext.Out.WriteLine(string.Join(", ", statuses.Select(kv => $"{(int)kv.Key}: {kv.Value}")));
        var acceptedKeys = accepted.Select(a => a.Key).ToList();
        var storedAccepted = await app.WithDbAsync(db => db.Cases.AsNoTracking()
            .Where(c => c.SubmittedByUnit == "Fuzz unit" && acceptedKeys.Contains(c.IdempotencyKey))
            .ToDictionaryAsync(c => c.IdempotencyKey));
        Assert.Multiple(() =>
        {
            Assert.That(stored, Is.Zero);
            Assert.That(statuses.Keys, Has.Some.EqualTo(HttpStatusCode.BadRequest), "the fuzzer reached validation");
            // An oracle of its own for every 202: the request was valid by the published contract, and what was stored is what it said.
            foreach (var (key, body, contentType) in accepted)
            {
                Assert.That(InvalidBecause(key, body, contentType, storedAccepted.GetValueOrDefault(key)), Is.Null, $"answered 202: {body}");
            }
        });
    }

    private static readonly string[] Fields = ["child", "foundInMunicipalityCode", "urgency", "category", "summary", "reportedBy", "policeReference"];

    /// <summary>Why an accepted request should have been refused (null when it was fine), judged without the service's validator.</summary>
    private static string? InvalidBecause(string key, string body, string contentType, ChildCase? stored)
    {
        // JSON media types: application/json, or a structured +json type (RFC 6839), as the README says.
        var mediaType = contentType.Split(';')[0].Trim();
        if (mediaType != "application/json" && !(mediaType.StartsWith("application/", StringComparison.Ordinal) && mediaType.EndsWith("+json", StringComparison.Ordinal)))
        {
            return $"content type {contentType}";
        }
        if (key.Length is 0 or > 128 || key.Any(c => c is < '!' or > '~'))
        {
            return "idempotency key";
        }
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException)
        {
            return "not JSON";
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            return "not an object";
        }
        var fields = root.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.OrdinalIgnoreCase);
        if (fields.Keys.FirstOrDefault(k => !Fields.Contains(k, StringComparer.OrdinalIgnoreCase)) is { } unknown)
        {
            return $"unknown field {unknown}";
        }
        if (stored is null)
        {
            return "nothing stored";
        }
        if (!MunicipalityRegister.Official.Contains(stored.FoundInMunicipalityCode)
            || (stored.HomeMunicipalityCode is { } home && !MunicipalityRegister.Official.Contains(home)))
        {
            return "a municipality code that is not official";
        }
        if (!fields.TryGetValue("foundInMunicipalityCode", out var foundIn) || foundIn.ValueKind != JsonValueKind.String || foundIn.GetString() != stored.FoundInMunicipalityCode)
        {
            return "found-in municipality differs from what was sent";
        }
        if (!fields.TryGetValue("urgency", out var urgency) || urgency.ValueKind != JsonValueKind.String || urgency.GetString() != Wire.Name(stored.Urgency))
        {
            return "urgency differs from what was sent";
        }
        return string.IsNullOrWhiteSpace(stored.ReportedByOfficerId) ? "no officer" : null;
    }

    private static string Mutate(string valid, Random random)
    {
        var text = new StringBuilder(valid);
        var edits = random.Next(1, 6);
        for (var e = 0; e < edits; e++)
        {
            var at = random.Next(text.Length + 1);
            switch (random.Next(4))
            {
                case 0 when text.Length > 0 && at < text.Length:
                    text.Remove(at, Math.Min(random.Next(1, 20), text.Length - at));
                    break;
                case 1:
                    text.Insert(at, Fragments[random.Next(Fragments.Length)]);
                    break;
                case 2:
                    text.Insert(at, (char)random.Next(0, 0x3000));
                    break;
                default:
                    if (random.Next(10) == 0)
                    {
                        return new string((char)random.Next(32, 127), random.Next(0, 70_000));
                    }
                    break;
            }
        }
        return text.ToString();
    }
}
