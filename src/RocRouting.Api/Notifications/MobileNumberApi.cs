using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using RocRouting.Api.Infrastructure;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Data.Privacy;
using RocRouting.Hosting;

namespace RocRouting.Api.Notifications;

public sealed record MobileNumberBody(string? Number);

/// <summary>The person's number as they see it: only its last digits.</summary>
public sealed record MobileNumberView(string EndsWith, DateTimeOffset CreatedAt);

/// <summary>
/// The signed-in person's mobile number, for alerts by SMS when push does not reach them. Personal
/// data: sealed at rest, found again by a keyed hash, never logged, and shown back only as its last
/// three digits. One number per person: PUT replaces it.
/// </summary>
public static partial class MobileNumberApi
{
    private const int MaxBodyBytes = 1024;

    public static IEndpointRouteBuilder MapMobileNumberApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/me/mobile-number").WithTags("Notifications").RequireAuthorization(Policies.AnyUser);
        group.MapGet("/", ReadAsync).Produces<MobileNumberView>().WithName("ReadMobileNumber");
        group.MapPut("/", ReplaceAsync).Accepts<MobileNumberBody>("application/json").Produces<MobileNumberView>().ProducesValidationProblem().WithName("SetMobileNumber");
        group.MapDelete("/", RemoveAsync).Produces(StatusCodes.Status204NoContent).WithName("RemoveMobileNumber");
        return routes;
    }

    /// <summary>+46701234567 from "070-123 45 67", "0046 70 123 45 67" or "+46 70 123 45 67"; null when it is no mobile number.</summary>
    public static string? Normalise(string? text)
    {
        if (text is not { Length: > 0 and <= 32 })
        {
            return null;
        }
        var digits = Separators().Replace(text, "");
        digits = digits.StartsWith("00", StringComparison.Ordinal) ? "+" + digits[2..]
            : digits.StartsWith('0') ? "+46" + digits[1..]
            : digits;
        return E164().IsMatch(digits) ? digits : null;
    }

    internal static async Task<IResult> ReadAsync(ClaimsPrincipal user, RocDbContext db, PersonalDataProtector protector, CancellationToken cancellationToken) =>
        await ViewAsync(db, protector, SignedInPerson.Of(user), cancellationToken) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();

    internal static async Task<IResult> ReplaceAsync(
        HttpRequest http, ClaimsPrincipal user, RocDbContext db, ChildKeys keys, PersonalDataProtector protector, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<MobileNumberBody>(http, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (Normalise(body!.Number) is not { } number)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["number"] = ["must be a mobile number, e.g. +46701234567 or 070-123 45 67"] });
        }
        var person = SignedInPerson.Of(user);
        var fingerprint = keys.ForContact(Wire.Name(ContactChannel.Sms), number);
        var current = await db.ContactPoints.SingleOrDefaultAsync(c => c.Person == person && c.Channel == ContactChannel.Sms, cancellationToken);
        if (current?.Fingerprint.AsSpan().SequenceEqual(fingerprint) != true)
        {
            if (current is not null)
            {
                db.ContactPoints.Remove(current);
            }
            var now = time.GetUtcNow();
            var id = Guid.CreateVersion7(now);
            db.ContactPoints.Add(new ContactPoint
            {
                Id = id,
                Person = person,
                Channel = ContactChannel.Sms,
                Fingerprint = fingerprint,
                SealedValue = protector.Seal(number, id, PersonalField.MobileNumber),
                Service = "sms",
                CreatedAt = now,
            });
            await db.SaveChangesAsync(cancellationToken);
        }
        return TypedResults.Ok(await ViewAsync(db, protector, person, cancellationToken));
    }

    internal static async Task<IResult> RemoveAsync(ClaimsPrincipal user, RocDbContext db, CancellationToken cancellationToken)
    {
        var person = SignedInPerson.Of(user);
        var removed = await db.ContactPoints.Where(c => c.Person == person && c.Channel == ContactChannel.Sms).ExecuteDeleteAsync(cancellationToken);
        return removed > 0 ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    private static async Task<MobileNumberView?> ViewAsync(RocDbContext db, PersonalDataProtector protector, string person, CancellationToken cancellationToken) =>
        await db.ContactPoints.AsNoTracking().SingleOrDefaultAsync(c => c.Person == person && c.Channel == ContactChannel.Sms, cancellationToken) is { } stored
            ? new MobileNumberView(protector.Open(stored.SealedValue, stored.Id, PersonalField.MobileNumber)[^3..], stored.CreatedAt)
            : null;


    [GeneratedRegex(@"[\s\-().]")]
    private static partial Regex Separators();

    [GeneratedRegex(@"^\+[1-9][0-9]{7,14}$")]
    private static partial Regex E164();
}
