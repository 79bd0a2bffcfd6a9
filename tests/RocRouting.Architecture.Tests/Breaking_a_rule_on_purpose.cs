using Microsoft.EntityFrameworkCore;
using NetArchTest.Rules;
using RocRouting.Cases;
using RocRouting.Contracts;
using static RocRouting.Architecture.Tests.Architecture;

namespace RocRouting.Architecture.Tests
{
    /// <summary>
    /// Each rule above, run over code that breaks it (the namespace below, compiled into this test
    /// assembly): a rule that cannot fail would guard nothing.
    /// </summary>
    public sealed class Breaking_a_rule_on_purpose
    {
        private const string Planted = "RocRouting.Architecture.Tests.Planted";

        [Test]
        public void An_endpoint_that_assigns_a_status_is_caught()
        {
            Assert.That(LifecycleBypasses(typeof(Breaking_a_rule_on_purpose).Assembly, Planted + ".Bypass"), Is.EquivalentTo(new[]
            {
                $"{Planted}.Bypass.AnEndpointThatClosesByHand.Close -> ChildCase.set_Status",
                $"{Planted}.Bypass.AnEndpointThatClosesByHand.Close -> CaseEvent..ctor",
                $"{Planted}.Bypass.AnEndpointThatClosesByHand.Close -> ICaseUnitOfWork.Enqueue",
            }));
        }

        [Test]
        public void Sql_written_in_an_endpoint_is_caught()
        {
            Assert.That(RawSql(typeof(Breaking_a_rule_on_purpose).Assembly, Planted + ".Sql"),
                Is.EqualTo(new[] { $"{Planted}.Sql.AnEndpointWithItsOwnSql.CountAsync -> RelationalDatabaseFacadeExtensions.ExecuteSqlRawAsync" }));
        }

        [Test]
        public void Io_in_a_pure_project_is_caught()
        {
            var result = Types.InAssembly(typeof(Breaking_a_rule_on_purpose).Assembly).That().ResideInNamespace(Planted + ".Impure")
                .ShouldNot().HaveDependencyOnAny(IoNamespaces).GetResult();
            Assert.That(result.FailingTypeNames, Is.EqualTo(new[] { $"{Planted}.Impure.APolicyThatReadsTheDatabase" }));
        }

        [Test]
        public void The_scanners_see_the_real_transitions_and_queries_where_they_belong()
        {
            Assert.Multiple(() =>
            {
                Assert.That(LifecycleBypasses(Projects.Cases), Has.Some.StartsWith("RocRouting.Cases.CaseLifecycle.Acknowledge -> ChildCase.set_Status"));
                Assert.That(RawSql(Projects.Data), Has.Some.Contains("CaseQueries.LockCaseAsync -> RelationalQueryableExtensions.FromSql"));
            });
        }

        [Test]
        public void A_lower_project_that_references_a_higher_one_is_caught()
        {
            Assert.That(UpwardReferences([("RocRouting.Routing", "RocRouting.Data"), ("RocRouting.Api", "RocRouting.Worker"), ("RocRouting.Data", "RocRouting.Cases")]),
                Is.EqualTo(new[] { "RocRouting.Routing -> RocRouting.Data", "RocRouting.Api -> RocRouting.Worker" }));
        }
    }
}

#pragma warning disable CA1812, CA1822, IDE0051 // Never called: these exist to be found.
namespace RocRouting.Architecture.Tests.Planted.Bypass
{
    internal static class AnEndpointThatClosesByHand
    {
        public static void Close(ICaseUnitOfWork work, ChildCase @case)
        {
            @case.Status = CaseStatus.Closed;
            work.Add(new CaseEvent { CaseId = @case.Id, Kind = CaseEventKind.Closed });
            work.Enqueue(new CaseClosed { CaseId = @case.Id, Outcome = "handled", ClosedAt = default }, @case.Id, default);
        }
    }
}

namespace RocRouting.Architecture.Tests.Planted.Sql
{
    internal static class AnEndpointWithItsOwnSql
    {
        public static Task<int> CountAsync(DbContext db) => db.Database.ExecuteSqlRawAsync("UPDATE cases SET status = 'closed'");
    }
}

namespace RocRouting.Architecture.Tests.Planted.Impure
{
    internal static class APolicyThatReadsTheDatabase
    {
        public static bool Decide(DbContext db) => db.Database.CanConnect();
    }
}
#pragma warning restore CA1812, CA1822, IDE0051
