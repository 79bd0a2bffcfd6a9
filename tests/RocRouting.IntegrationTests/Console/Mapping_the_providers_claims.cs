using System.Security.Claims;
using RocRouting.Api.Console;
using RocRouting.Cases;

namespace RocRouting.IntegrationTests.Console;

/// <summary>The organisation's claims turned into the service's, as configured: no servers needed.</summary>
public sealed class Mapping_the_providers_claims
{
    private static readonly OrganisationSignInOptions Options = new()
    {
        RoleClaim = "groups",
        MunicipalityClaim = "kommunkod",
        Roles = new(StringComparer.OrdinalIgnoreCase) { ["roc-socialjour"] = Roles.SocialjourStaff, ["roc-kommun"] = Roles.MunicipalityStaff },
    };

    private static ClaimsPrincipal Provider(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "oidc"));

    [Test]
    public void A_mapped_group_gives_the_role_and_the_municipality_comes_under_the_services_name()
    {
        var person = Options.Map(Provider(("sub", "p1"), ("groups", "alla"), ("groups", "ROC-KOMMUN"), ("kommunkod", "0182")));

        Assert.That(person, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(person!.FindAll(Claims.Role).Select(c => c.Value), Is.EqualTo(new[] { Roles.MunicipalityStaff }));
            Assert.That(person.FindFirst(Claims.Municipality)?.Value, Is.EqualTo("0182"));
            Assert.That(person.FindFirst(Claims.Subject)?.Value, Is.EqualTo("p1"));
            Assert.That(person.Identity!.Name, Is.EqualTo("p1"));
            Assert.That(person.IsInRole(Roles.MunicipalityStaff), Is.True);
        });
    }

    [Test]
    public void A_person_with_only_unmapped_groups_is_refused() =>
        Assert.That(Options.Map(Provider(("sub", "p1"), ("groups", "alla"), ("groups", Roles.Operator))), Is.Null);

    [Test]
    public void Municipality_staff_without_a_municipality_is_refused() =>
        Assert.That(Options.Map(Provider(("sub", "p1"), ("groups", "roc-kommun"))), Is.Null);

    [Test]
    public void A_provider_without_a_subject_is_refused() =>
        Assert.That(Options.Map(Provider(("groups", "roc-socialjour"))), Is.Null);

    [Test]
    public void Without_a_role_table_the_providers_values_must_be_the_services_role_names()
    {
        var plain = new OrganisationSignInOptions();

        Assert.Multiple(() =>
        {
            Assert.That(plain.Map(Provider(("sub", "p1"), ("role", Roles.Auditor)))?.IsInRole(Roles.Auditor), Is.True);
            Assert.That(plain.Map(Provider(("sub", "p1"), ("role", "admin"))), Is.Null);
        });
    }
}
