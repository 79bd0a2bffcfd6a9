using System.Security.Claims;
using RocRouting.Contracts;
using RocRouting.Hosting;
using RocRouting.Routing;

namespace RocRouting.Api.Infrastructure;

public static class StaffOrganisation
{
    /// <summary>The organisation a staff member acts for: their social emergency service, or their municipality.</summary>
    public static Recipient? Of(ClaimsPrincipal user, RoutingConfiguration config)
    {
        if (user.IsInRole(Roles.SocialjourStaff))
        {
            // A "service" claim names a joint out-of-hours service; without one, staff belong to the default service.
            var service = user.FindFirstValue("service") ?? config.DefaultService.Id;
            return config.FindService(service) is null ? null : Recipient.SocialEmergencyService(service);
        }
        if (user.IsInRole(Roles.MunicipalityStaff))
        {
            var municipality = user.FindFirstValue(Claims.Municipality);
            return config.Register.Contains(municipality) ? Recipient.HomeMunicipality(municipality!) : null;
        }
        return null;
    }
}
