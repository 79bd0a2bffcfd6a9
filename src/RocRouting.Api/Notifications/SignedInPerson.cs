using System.Security.Claims;
using RocRouting.Cases;

namespace RocRouting.Api.Notifications;

/// <summary>Whose contact points a request is about: the signed-in person's subject, as rosters name people.</summary>
internal static class SignedInPerson
{
    public static string Of(ClaimsPrincipal user) =>
        user.FindFirstValue(Claims.Subject) ?? throw new InvalidOperationException("A signed-in user without a subject.");
}
