using System.Security.Claims;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Hosting;

namespace RocRouting.Api.Cases;

/// <summary>Who may read a case: only those with a role in it (checked on every read).</summary>
public static class CaseAccess
{
    public static bool CanRead(ClaimsPrincipal user, ChildCase c)
    {
        if (user.IsInRole(Roles.PoliceOfficer))
        {
            return user.FindFirstValue(Claims.Unit) is { Length: > 0 } unit && unit == c.SubmittedByUnit;
        }
        if (user.IsInRole(Roles.SocialjourStaff))
        {
            return c.Routes.Any(r => r.RecipientKind == RecipientKind.SocialEmergencyService);
        }
        if (user.IsInRole(Roles.MunicipalityStaff))
        {
            var municipality = user.FindFirstValue(Claims.Municipality);
            return municipality is { Length: 4 }
                && c.Routes.Any(r => r.RecipientMunicipalityCode == municipality || r.Signals.Any(s => s.MunicipalityCode == municipality));
        }
        // Operators see status and routing (no personal data is in this view) to find stuck cases.
        return user.IsInRole(Roles.Operator);
    }
}
