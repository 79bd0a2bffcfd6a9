using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using RocRouting.Data.Privacy;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Cases;

public sealed class Submitting_a_case : SharedAppTest
{
    private HttpClient _police = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _police = App.Client(TestTokens.PoliceOfficer());
    }

    [OneTimeTearDown]
    public void Dispose() => _police.Dispose();

    [Test]
    public async Task Is_accepted_and_then_routed_through_the_database_and_the_broker()
    {
        using var response = await CaseRequests.PostAsync(_police, CaseRequests.Valid());
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var accepted = await CaseRequests.JsonAsync(response);
        var caseId = accepted.GetProperty("caseId").GetGuid();
        Assert.Multiple(() =>
        {
            Assert.That(accepted.GetProperty("status").GetString(), Is.EqualTo("submitted"));
            Assert.That(accepted.GetProperty("statusUrl").GetString(), Is.EqualTo($"/api/v1/cases/{caseId}"));
            Assert.That(response.Headers.Location?.ToString(), Is.EqualTo($"/api/v1/cases/{caseId}"));
        });

        var view = await Eventually.Until(
            () => GetAsync(caseId),
            v => v.GetProperty("status").GetString() == "routed",
            "the case to show routed");

        var route = view.GetProperty("route");
        Assert.Multiple(() =>
        {
            Assert.That(route.GetProperty("recipient").GetProperty("kind").GetString(), Is.AnyOf("home-municipality", "social-emergency-service"));
            Assert.That(route.GetProperty("ruleId").GetString(), Is.Not.Empty);
            Assert.That(route.GetProperty("reason").GetString(), Is.Not.Empty);
            Assert.That(route.GetProperty("configurationVersion").GetString(), Does.StartWith("cfg-"));
            Assert.That(view.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("kind").GetString()),
                Is.EqualTo(new[] { "submitted", "routed" }));
        });
    }

    [Test]
    public async Task Twice_with_the_same_key_and_body_returns_the_same_case()
    {
        var key = Guid.NewGuid().ToString();
        var body = CaseRequests.Valid();
        using var first = await CaseRequests.PostAsync(_police, body, key);
        using var second = await CaseRequests.PostAsync(_police, body, key);

        var firstId = (await CaseRequests.JsonAsync(first)).GetProperty("caseId").GetGuid();
        var secondId = (await CaseRequests.JsonAsync(second)).GetProperty("caseId").GetGuid();
        var stored = await App.WithDbAsync(db => db.Cases.CountAsync(c => c.IdempotencyKey == key));
        Assert.Multiple(() =>
        {
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(secondId, Is.EqualTo(firstId));
            Assert.That(stored, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Sent_in_small_pieces_is_read_whole()
    {
        // About 8 KB in 100-byte writes: the server reads the body across several buffers.
        var body = CaseRequests.Valid();
        body["summary"] = new string('å', 3_900);
        var key = Guid.NewGuid().ToString();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/cases")
        {
            Content = new PiecewiseContent(Encoding.UTF8.GetBytes(body.ToJsonString()), 100),
        };
        request.Headers.Add("Idempotency-Key", key);
        using var pieces = await _police.SendAsync(request);
        Assert.That(pieces.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        // The same body in one piece is the same request: nothing was lost or doubled at a seam.
        using var whole = await CaseRequests.PostAsync(_police, body, key);
        var piecesId = (await CaseRequests.JsonAsync(pieces)).GetProperty("caseId").GetGuid();
        var wholeId = (await CaseRequests.JsonAsync(whole)).GetProperty("caseId").GetGuid();
        Assert.Multiple(() =>
        {
            Assert.That(whole.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(wholeId, Is.EqualTo(piecesId));
        });
    }

    [Test]
    public async Task That_fails_part_way_leaves_no_row_behind()
    {
        // The intake writes without an explicit transaction, relying on its rows going to PostgreSQL
        // as one batch: a row refused after the case row was sent must take the case row with it.
        var key = $"atomicity-{Guid.NewGuid()}";
        var trigger = $"refuse_{Guid.NewGuid():N}";
        await using var owner = new NpgsqlConnection(TestServers.AsOwner(App.ConnectionString));
        await owner.OpenAsync();
        await using (var create = new NpgsqlCommand($"""
            CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF EXISTS (SELECT 1 FROM cases WHERE id = NEW.case_id AND idempotency_key = '{key}') THEN
                RAISE EXCEPTION 'refused by the test';
              END IF;
              RETURN NEW;
            END $$;
            CREATE TRIGGER {trigger} BEFORE INSERT ON case_events FOR EACH ROW EXECUTE FUNCTION {trigger}();
            """, owner))
        {
            await create.ExecuteNonQueryAsync();
        }
        try
        {
            using var response = await CaseRequests.PostAsync(_police, CaseRequests.Valid(), key);
            var stored = await App.WithDbAsync(db => db.Cases.CountAsync(c => c.IdempotencyKey == key));
            Assert.Multiple(() =>
            {
                Assert.That(response.StatusCode, Is.Not.EqualTo(HttpStatusCode.Accepted));
                Assert.That(stored, Is.Zero);
            });
        }
        finally
        {
            await using var drop = new NpgsqlCommand($"DROP TRIGGER {trigger} ON case_events; DROP FUNCTION {trigger}();", owner);
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Test]
    public async Task Concurrently_with_the_same_key_makes_one_case()
    {
        var key = Guid.NewGuid().ToString();
        var body = CaseRequests.Valid();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => CaseRequests.PostAsync(_police, body, key)));
        var ids = await Task.WhenAll(responses.Select(async r => (await CaseRequests.JsonAsync(r)).GetProperty("caseId").GetGuid()));
        var stored = await App.WithDbAsync(db => db.Cases.CountAsync(c => c.IdempotencyKey == key));
        Assert.Multiple(() =>
        {
            Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.Accepted));
            Assert.That(ids.Distinct().Count(), Is.EqualTo(1));
            Assert.That(stored, Is.EqualTo(1));
        });
        foreach (var r in responses)
        {
            r.Dispose();
        }
    }

    [Test]
    public async Task With_a_used_key_and_a_different_body_is_a_conflict()
    {
        var key = Guid.NewGuid().ToString();
        using var first = await CaseRequests.PostAsync(_police, CaseRequests.Valid(urgency: "urgent"), key);
        using var second = await CaseRequests.PostAsync(_police, CaseRequests.Valid(urgency: "routine"), key);
        Assert.Multiple(() =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That(second.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        });
    }

    [Test]
    public async Task The_same_key_from_another_officer_is_another_case()
    {
        var key = Guid.NewGuid().ToString();
        using var other = App.Client(TestTokens.PoliceOfficer());
        using var first = await CaseRequests.PostAsync(_police, CaseRequests.Valid(), key);
        using var second = await CaseRequests.PostAsync(other, CaseRequests.Valid(), key);
        var firstId = (await CaseRequests.JsonAsync(first)).GetProperty("caseId").GetGuid();
        var secondId = (await CaseRequests.JsonAsync(second)).GetProperty("caseId").GetGuid();
        Assert.That(secondId, Is.Not.EqualTo(firstId));
    }

    [Test]
    public async Task Stores_the_case_with_its_submitted_message_in_the_outbox()
    {
        using var response = await CaseRequests.PostAsync(_police, CaseRequests.Valid(home: null));
        var caseId = (await CaseRequests.JsonAsync(response)).GetProperty("caseId").GetGuid();
        var (stored, row, outbox) = await App.WithDbAsync(async db => (
            await db.Cases.SingleAsync(c => c.Id == caseId),
            (await db.Database.SqlQuery<string>($"SELECT row_to_json(c)::text AS \"Value\" FROM cases c WHERE id = {caseId}").ToListAsync()).Single(),
            await db.OutboxMessages.Where(m => m.MessageType == "RocRouting.Contracts.CaseSubmitted")
                .Where(m => EF.Functions.JsonContains(m.Payload, $"{{\"caseId\":\"{caseId}\"}}")).ToListAsync()));
        Assert.Multiple(() =>
        {
            Assert.That(stored.SealedPersonalIdentityNumber, Does.StartWith("aes256gcm:test-1:").And.Not.Contain("1212121212"), "encrypted at rest");
            Assert.That(App.Protector.Open(stored.SealedPersonalIdentityNumber!, caseId, PersonalField.IdentityNumber), Is.EqualTo("191212121212"));
            Assert.That(row, Does.Not.Contain("1212121212").And.Not.Contain("Tolvan"), "neither the number nor the summary in clear anywhere in the row");
            Assert.That(stored.SealedBirthDate, Does.StartWith("aes256gcm:test-1:"));
            Assert.That(App.Protector.Open(stored.SealedBirthDate!, caseId, PersonalField.BirthDate), Is.EqualTo("1912-12-12"));
            Assert.That(row, Does.Not.Contain("1912-12-12"), "nor the birth date");
            Assert.That(stored.HomeMunicipalityCode, Is.Null);
            Assert.That(outbox, Has.Count.EqualTo(1));
            Assert.That(outbox[0].Payload, Does.Not.Contain("1212121212").And.Not.Contain("Tolvan"),
                "the message carries ids and routing facts only");
        });
    }

    /// <summary>A body written in small pieces with a flush after each, and no length announced.</summary>
    private sealed class PiecewiseContent : HttpContent
    {
        private readonly byte[] _bytes;
        private readonly int _piece;

        public PiecewiseContent(byte[] bytes, int piece)
        {
            (_bytes, _piece) = (bytes, piece);
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var i = 0; i < _bytes.Length; i += _piece)
            {
                await stream.WriteAsync(_bytes.AsMemory(i, Math.Min(_piece, _bytes.Length - i)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private async Task<JsonElement> GetAsync(Guid caseId)
    {
        using var response = await _police.GetAsync($"/api/v1/cases/{caseId}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return await CaseRequests.JsonAsync(response);
    }
}
