namespace RocRouting.Routing.Tests;

public sealed class Routing_configuration
{
    [Test]
    public void By_default_is_the_county_agreement_with_one_socialjour()
    {
        var config = RoutingConfiguration.Default;
        Assert.Multiple(() =>
        {
            Assert.That(config.Participants, Has.Count.EqualTo(26));
            Assert.That(config.IsParticipant("0138"), Is.True);
            Assert.That(config.IsParticipant("1480"), Is.False);
            Assert.That(config.ServiceFor("0138").Id, Is.EqualTo("stockholm"));
            Assert.That(config.ImmediateWindow, Is.EqualTo(TimeSpan.FromMinutes(15)));
            Assert.That(config.UrgentWindow, Is.EqualTo(TimeSpan.FromHours(2)));
            Assert.That(config.Zone.Id, Is.EqualTo("Europe/Stockholm"));
        });
    }

    [Test]
    public void Has_a_version_that_only_its_content_changes()
    {
        var same = RoutingConfiguration.From(new RoutingSettings(), MunicipalityRegister.Official);
        var other = RoutingConfiguration.From(new RoutingSettings { UrgentWindow = TimeSpan.FromHours(1) }, MunicipalityRegister.Official);
        Assert.Multiple(() =>
        {
            Assert.That(same.Version, Is.EqualTo(RoutingConfiguration.Default.Version));
            Assert.That(other.Version, Is.Not.EqualTo(same.Version));
        });
    }

    [Test]
    public void Routes_members_of_a_joint_service_to_it()
    {
        var settings = new RoutingSettings
        {
            Services =
            {
                new EmergencyServiceSettings { Id = "stockholm", Name = "Stockholms stads socialjour" },
                new EmergencyServiceSettings { Id = "sydost", Name = "Socialjour Sydost", Serves = ["0182", "0120", "0138"] },
            },
        };
        var config = RoutingConfiguration.From(settings, MunicipalityRegister.Official);
        Assert.Multiple(() =>
        {
            Assert.That(config.ServiceFor("0138").Id, Is.EqualTo("sydost"));
            Assert.That(config.ServiceFor("0180").Id, Is.EqualTo("stockholm"));
        });
    }

    [Test]
    public void That_is_invalid_is_refused_with_every_problem_named()
    {
        var settings = new RoutingSettings
        {
            TimeZone = "Mars/Olympus",
            Participants = ["0138", "9999"],
            DefaultOfficeHours = { ["Funday"] = "08:00-16:30", ["Monday"] = "17:00-08:00" },
            OfficeHours = { ["0000"] = new() { ["Monday"] = "08:00-16:00" } },
            Services = { new EmergencyServiceSettings { Id = "", Name = "" } },
            UrgentWindow = TimeSpan.Zero,
        };
        var error = Assert.Throws<RoutingConfigurationException>(() => RoutingConfiguration.From(settings, MunicipalityRegister.Official))!;
        Assert.That(error.Errors, Has.Some.Contain("Mars/Olympus")
            .And.Some.Contain("9999")
            .And.Some.Contain("Funday")
            .And.Some.Contain("17:00-08:00")
            .And.Some.Contain("0000")
            .And.Some.Contain("needs an Id")
            .And.Some.Contain("must be positive"));
    }
}
