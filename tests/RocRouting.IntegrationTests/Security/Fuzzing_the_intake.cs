using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using RocRouting.IntegrationTests.Infrastructure;

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
            if (response.StatusCode != HttpStatusCode.Accepted && response.StatusCode != HttpStatusCode.Conflict)
            {
                rejectedKeys.Add(key);
            }
        }

        var stored = await app.WithDbAsync(db => db.Cases.CountAsync(c => c.SubmittedByUnit == "Fuzz unit" && rejectedKeys.Contains(c.IdempotencyKey)));
        TestContext.Out.WriteLine(string.Join(", ", statuses.Select(kv => $"{(int)kv.Key}: {kv.Value}")));
        Assert.Multiple(() =>
        {
            Assert.That(stored, Is.Zero);
            Assert.That(statuses.Keys, Has.Some.EqualTo(HttpStatusCode.BadRequest), "the fuzzer reached validation");
        });
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
