using System.Buffers.Text;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RocRouting.Api.Console;
using RocRouting.Api.Infrastructure;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Data.Privacy;
using RocRouting.Hosting;

namespace RocRouting.Api.Notifications;

public sealed record PushKeys(string? P256dh, string? Auth);

/// <summary>A browser's PushSubscription as its toJSON() gives it.</summary>
public sealed record PushSubscriptionBody(string? Endpoint, double? ExpirationTime, PushKeys? Keys);

public sealed record PushEndpointBody(string? Endpoint);

/// <summary>A registered subscription as its owner sees it: which push service, since when. Never the endpoint or keys.</summary>
public sealed record PushSubscriptionView(Guid Id, string Service, DateTimeOffset CreatedAt);

public sealed record VapidKeyView(string PublicKey);

/// <summary>
/// The signed-in person's browser push subscriptions: registered by the console (or any client) with
/// the browser's PushSubscription JSON, removed with DELETE. The subscription is personal data: sealed
/// at rest, found again by a keyed hash of its endpoint, never logged. Only endpoints of allowed push
/// services are taken (loopback HTTP too in Development).
/// </summary>
public static class PushSubscriptionsApi
{
    private const int MaxBodyBytes = 8 * 1024;
    private const int MaxEndpointLength = 2048;

    /// <summary>A person's browsers and phones, not a list without end.</summary>
    private const int MaxPerPerson = 20;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapPushSubscriptionsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/me/push-subscriptions").WithTags("Notifications").RequireAuthorization(Policies.AnyUser);
        group.MapGet("/", ListAsync).Produces<List<PushSubscriptionView>>().WithName("ListPushSubscriptions");
        group.MapPost("/", RegisterAsync).Accepts<PushSubscriptionBody>("application/json")
            .Produces<PushSubscriptionView>(StatusCodes.Status201Created).Produces<PushSubscriptionView>().ProducesValidationProblem().WithName("RegisterPushSubscription");
        group.MapDelete("/", RemoveAsync).Accepts<PushEndpointBody>("application/json")
            .Produces(StatusCodes.Status204NoContent).ProducesValidationProblem().WithName("RemovePushSubscription");
        group.MapGet("/vapid-public-key", VapidKey).Produces<VapidKeyView>().WithName("VapidPublicKey");
        // The console registers its browser with its session cookie, so with an antiforgery token in a header.
        routes.MapPost("/me/push-subscriptions", RegisterAsync).RequireAuthorization(Policies.Staff).RequireAntiforgeryHeader().ExcludeFromDescription();
        return routes;
    }

    internal static async Task<IResult> ListAsync(ClaimsPrincipal user, RocDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await db.ContactPoints.AsNoTracking()
            .Where(c => c.Person == SignedInPerson.Of(user) && c.Channel == ContactChannel.Push)
            .OrderBy(c => c.CreatedAt).ThenBy(c => c.Id)
            .Select(c => new PushSubscriptionView(c.Id, c.Service, c.CreatedAt))
            .ToListAsync(cancellationToken));

    internal static async Task<IResult> RegisterAsync(
        HttpRequest http, ClaimsPrincipal user, RocDbContext db, ChildKeys keys, PersonalDataProtector protector,
        IOptions<PushOptions> options, IHostEnvironment environment, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<PushSubscriptionBody>(http, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        var endpoint = Endpoint(body!.Endpoint, options.Value, environment, errors);
        if (!IsBase64UrlKey(body.Keys?.P256dh, 65) || body.Keys!.P256dh![0] is not 'B')
        {
            errors["keys.p256dh"] = ["must be the subscription's P-256 public key (65 bytes, uncompressed), base64url"];
        }
        if (!IsBase64UrlKey(body.Keys?.Auth, 16))
        {
            errors["keys.auth"] = ["must be the subscription's 16-byte authentication secret, base64url"];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var person = SignedInPerson.Of(user);
        var fingerprint = keys.ForContact(Wire.Name(ContactChannel.Push), endpoint!.AbsoluteUri);
        // Under the previous hash keys too: a subscription stored before a rotation is found until it is rehashed.
        var fingerprints = keys.AllForContact(Wire.Name(ContactChannel.Push), endpoint.AbsoluteUri);
        var existing = await db.ContactPoints.AsNoTracking()
            .FirstOrDefaultAsync(c => c.Person == person && c.Channel == ContactChannel.Push && fingerprints.Contains(c.Fingerprint), cancellationToken);
        if (existing is null)
        {
            if (await db.ContactPoints.CountAsync(c => c.Person == person && c.Channel == ContactChannel.Push, cancellationToken) >= MaxPerPerson)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["endpoint"] = [$"at most {MaxPerPerson} subscriptions per person; remove an old one first"] });
            }
            var id = Guid.CreateVersion7(time.GetUtcNow());
            var subscription = new SealedPushSubscription(endpoint.AbsoluteUri, new SealedPushKeys(body.Keys!.P256dh!, body.Keys.Auth!));
            db.ContactPoints.Add(new ContactPoint
            {
                Id = id,
                Person = person,
                Channel = ContactChannel.Push,
                Fingerprint = fingerprint,
                SealedValue = protector.Seal(JsonSerializer.Serialize(subscription, Json), id, PersonalField.PushSubscription),
                Service = endpoint.IdnHost,
                CreatedAt = time.GetUtcNow(),
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
            {
                // The same browser registered twice at once: the other request stored it.
            }
        }
        var stored = await db.ContactPoints.AsNoTracking()
            .Where(c => c.Person == person && c.Channel == ContactChannel.Push && (existing == null ? c.Fingerprint == fingerprint : c.Id == existing.Id))
            .Select(c => new PushSubscriptionView(c.Id, c.Service, c.CreatedAt))
            .SingleAsync(cancellationToken);
        // A browser renews its subscription now and then and registers again: the same answer, no second row.
        return existing is null
            ? TypedResults.Created($"/api/v1/me/push-subscriptions/{stored.Id}", stored)
            : TypedResults.Ok(stored);
    }

    internal static async Task<IResult> RemoveAsync(HttpRequest http, ClaimsPrincipal user, RocDbContext db, ChildKeys keys, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<PushEndpointBody>(http, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (body!.Endpoint is not { Length: > 0 and <= MaxEndpointLength } text || !Uri.TryCreate(text, UriKind.Absolute, out var endpoint))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["endpoint"] = ["must be the subscription's endpoint URL"] });
        }
        var person = SignedInPerson.Of(user);
        var fingerprints = keys.AllForContact(Wire.Name(ContactChannel.Push), endpoint.AbsoluteUri);
        var removed = await db.ContactPoints
            .Where(c => c.Person == person && c.Channel == ContactChannel.Push && fingerprints.Contains(c.Fingerprint))
            .ExecuteDeleteAsync(cancellationToken);
        return removed > 0 ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    internal static IResult VapidKey(IOptions<PushOptions> options) => options.Value.VapidPublicKey is { Length: > 0 } key
        ? TypedResults.Ok(new VapidKeyView(key))
        : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Web Push is not configured", detail: "Notifications:Push:VapidPublicKey is not set.");


    private static Uri? Endpoint(string? text, PushOptions options, IHostEnvironment environment, Dictionary<string, string[]> errors)
    {
        if (text is not { Length: > 0 and <= MaxEndpointLength } || !Uri.TryCreate(text, UriKind.Absolute, out var endpoint) || !string.IsNullOrEmpty(endpoint.UserInfo))
        {
            errors["endpoint"] = [$"must be the subscription's endpoint URL (at most {MaxEndpointLength} characters)"];
            return null;
        }
        if (!options.Allows(endpoint, environment.IsDevelopment()))
        {
            errors["endpoint"] = ["must be an https address of an allowed push service"];
            return null;
        }
        return endpoint;
    }

    private static bool IsBase64UrlKey(string? text, int bytes) =>
        text is { Length: > 0 and <= 128 } && Base64Url.IsValid(text, out var length) && length == bytes;
}
