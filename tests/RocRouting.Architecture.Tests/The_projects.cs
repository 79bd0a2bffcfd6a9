using NetArchTest.Rules;
using static RocRouting.Architecture.Tests.Architecture;

namespace RocRouting.Architecture.Tests;

public sealed class The_projects
{
    [Test]
    public void Reference_only_the_projects_below_them()
    {
        Assert.That(UpwardReferences(Projects.All.SelectMany(ReferencesOf)), Is.Empty);
    }

    [Test]
    public void Name_only_existing_layers_so_a_new_project_is_placed_on_purpose()
    {
        var ours = Projects.All.SelectMany(ReferencesOf).Select(r => r.Reference).Where(n => n.StartsWith("RocRouting.", StringComparison.Ordinal)).Distinct();
        Assert.That(ours, Is.SubsetOf(Layers.Keys));
    }

    [Test]
    public void The_contracts_depend_on_nothing_of_ours()
    {
        Assert.That(ReferencesOf(Projects.Contracts).Where(r => r.Reference.StartsWith("RocRouting.", StringComparison.Ordinal)), Is.Empty);
    }

    [TestCase("RocRouting.Routing", TestName = "The routing policy does no I/O")]
    [TestCase("RocRouting.Cases", TestName = "The case lifecycle does no I/O")]
    public void A_pure_project_does_no_io(string name)
    {
        var assembly = Projects.All.Single(a => a.GetName().Name == name);
        var result = Types.InAssembly(assembly).ShouldNot().HaveDependencyOnAny(IoNamespaces).GetResult();
        Assert.That(result.FailingTypeNames ?? [], Is.Empty);
    }

    [Test]
    public void Change_a_case_only_through_the_lifecycle()
    {
        Assert.That(new[] { Projects.Data, Projects.Hosting, Projects.Api, Projects.Worker }.SelectMany(a => LifecycleBypasses(a)), Is.Empty);
    }

    [Test]
    public void Write_sql_by_hand_only_in_persistence()
    {
        Assert.That(new[] { Projects.Routing, Projects.Cases, Projects.Hosting, Projects.Api, Projects.Worker }.SelectMany(a => RawSql(a)), Is.Empty);
    }

    [Test]
    public void Keep_host_defaults_free_of_the_domain_rules_and_the_worker()
    {
        var result = Types.InAssembly(Projects.Hosting).ShouldNot().HaveDependencyOnAny(
                "RocRouting.Cases.CaseLifecycle", "RocRouting.Cases.CaseAccess", "RocRouting.Routing.RoutingPolicy", "RocRouting.Routing.DeadlinePolicy", "RocRouting.Worker")
            .GetResult();
        Assert.That(result.FailingTypeNames ?? [], Is.Empty);
    }
}
