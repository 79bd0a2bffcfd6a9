using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Routing;
using RocRouting.Data;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Data;

/// <summary>
/// The intake's and the routing writer's unit of work (<see cref="RowBatch"/>): statements built from
/// the EF Core model, sent as one batch. What EF Core's SaveChanges did for them, it must do too.
/// </summary>
public sealed class Writing_a_row_batch : SharedAppTest
{
    private RowWriter Rows => App.Worker.Services.GetRequiredService<RowWriter>();

    [Test]
    public async Task Updates_only_the_columns_its_unit_of_work_changed()
    {
        var @case = await ACase.Submitted().StoreUnannouncedAsync(App);
        var read = await App.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == @case.Id));
        var work = Rows.Begin();
        work.Attach(read);
        read.PoliceReference = "K-0000-TEST";
        // Another transaction changes another column of the row after it was read.
        await App.WithDbAsync(db => db.Cases.Where(c => c.Id == @case.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.ReportedByUnit, "Andra enheten")));

        await work.SaveAsync(CancellationToken.None);

        var stored = await App.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == @case.Id));
        Assert.Multiple(() =>
        {
            Assert.That(stored.PoliceReference, Is.EqualTo("K-0000-TEST"));
            Assert.That(stored.ReportedByUnit, Is.EqualTo("Andra enheten"), "a column the unit of work did not change is not written back");
        });
    }

    [Test]
    public async Task Updates_several_rows_together_each_with_its_own_values()
    {
        var cases = new List<ChildCase>();
        for (var i = 0; i < 5; i++)
        {
            cases.Add(await ACase.Submitted().StoreUnannouncedAsync(App));
        }
        var ids = cases.Select(c => c.Id).ToList();
        var read = await App.WithDbAsync(db => db.Cases.AsNoTracking().Where(c => ids.Contains(c.Id)).ToListAsync());
        var work = Rows.Begin();
        foreach (var @case in read)
        {
            work.Attach(@case);
        }
        for (var i = 0; i < read.Count; i++)
        {
            read[i].PoliceReference = $"K-{i:D4}-TEST";
        }
        // Another set of changed columns: a statement of its own.
        read[^1].ReportedByUnit = "Tredje enheten";

        await work.SaveAsync(CancellationToken.None);

        var stored = await App.WithDbAsync(db => db.Cases.AsNoTracking().Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id));
        Assert.Multiple(() =>
        {
            foreach (var @case in read)
            {
                Assert.That(stored[@case.Id].PoliceReference, Is.EqualTo(@case.PoliceReference));
                Assert.That(stored[@case.Id].ReportedByUnit, Is.EqualTo(@case.ReportedByUnit));
            }
            Assert.That(stored[read[^1].Id].ReportedByUnit, Is.EqualTo("Tredje enheten"));
        });
    }

    [Test]
    public async Task Writes_the_new_rows_of_a_table_together_and_gives_each_its_own_key()
    {
        var @case = await ACase.Submitted().StoreUnannouncedAsync(App);
        var at = DateTimeOffset.UtcNow;
        // 70 rows in one statement: every key must come back to its own row.
        var events = Enumerable.Range(0, 70)
            .Select(i => new CaseEvent { CaseId = @case.Id, Kind = CaseEventKind.Renotified, At = at, Detail = $"händelse {i}" })
            .ToList();
        var work = Rows.Begin();
        foreach (var e in events)
        {
            work.Add(e);
        }

        await work.SaveAsync(CancellationToken.None);

        var stored = await App.WithDbAsync(db => db.CaseEvents.AsNoTracking()
            .Where(e => e.CaseId == @case.Id && e.Kind == CaseEventKind.Renotified).OrderBy(e => e.Id).Select(e => new { e.Id, e.Detail }).ToListAsync());
        Assert.Multiple(() =>
        {
            Assert.That(stored.Select(e => e.Detail), Is.EqualTo(events.Select(e => e.Detail)), "every row, in the order added");
            Assert.That(stored.Select(e => e.Id), Is.EqualTo(events.Select(e => e.Id)), "each row has the key stored with it");
        });
    }

    [Test]
    public async Task Gives_the_dependents_of_each_new_row_its_generated_key()
    {
        var at = DateTimeOffset.UtcNow;
        var routes = new List<CaseRoute>();
        var work = Rows.Begin();
        for (var i = 0; i < 3; i++)
        {
            var @case = await ACase.Submitted().StoreUnannouncedAsync(App);
            var route = new CaseRoute
            {
                CaseId = @case.Id,
                Sequence = 1,
                RecipientKind = RecipientKind.HomeMunicipality,
                RecipientMunicipalityCode = "0180",
                RuleId = "test",
                Reason = "test",
                AcknowledgeBy = at.AddMinutes(15),
                DecidedAt = at,
                ConfigurationVersion = "test",
            };
            // A different number of children each, so no route's can be taken for another's by position.
            for (var d = 0; d <= i; d++)
            {
                route.Deadlines.Add(new Deadline { CaseId = @case.Id, Kind = DeadlineKind.FirstMiss, DueAt = at.AddMinutes(15 + d) });
            }
            route.Signals.Add(new Signal { Id = Guid.CreateVersion7(at), CaseId = @case.Id, MunicipalityCode = "0180", DueAt = at });
            routes.Add(route);
            work.Add(route);
        }

        await work.SaveAsync(CancellationToken.None);

        var caseIds = routes.Select(r => r.CaseId).ToList();
        var (stored, deadlines, signals) = await App.WithDbAsync(async db => (
            await db.CaseRoutes.AsNoTracking().Where(r => caseIds.Contains(r.CaseId)).ToDictionaryAsync(r => r.CaseId, r => r.Id),
            await db.Deadlines.AsNoTracking().Where(d => caseIds.Contains(d.CaseId)).ToDictionaryAsync(d => d.Id, d => (d.CaseId, d.RouteId)),
            await db.Signals.AsNoTracking().Where(s => caseIds.Contains(s.CaseId)).ToDictionaryAsync(s => s.Id, s => (s.CaseId, s.RouteId))));
        Assert.Multiple(() =>
        {
            foreach (var route in routes)
            {
                Assert.That(route.Id, Is.EqualTo(stored[route.CaseId]), "the route has the key stored with it");
                foreach (var deadline in route.Deadlines)
                {
                    Assert.That(deadlines[deadline.Id], Is.EqualTo((route.CaseId, route.Id)), "each deadline has its key and its own route's");
                    Assert.That(deadline.RouteId, Is.EqualTo(route.Id));
                }
                Assert.That(signals[route.Signals[0].Id], Is.EqualTo((route.CaseId, route.Id)), "each signal refers to its own route");
            }
        });
    }

    [Test]
    public async Task Leaves_the_planner_setting_of_its_connection_as_it_found_it()
    {
        var @case = await ACase.Submitted().StoreUnannouncedAsync(App);
        var work = Rows.Begin();
        foreach (var i in Enumerable.Range(0, 3))
        {
            work.Add(new CaseEvent { CaseId = @case.Id, Kind = CaseEventKind.Renotified, At = DateTimeOffset.UtcNow, Detail = $"händelse {i}" });
        }

        await work.SaveAsync(CancellationToken.None);

        // Generic plans are for the batch's own statements: the pool's connections (the batch's among
        // them, handed out idle first) plan everything else as configured.
        var dataSource = App.Worker.Services.GetRequiredService<NpgsqlDataSource>();
        var connections = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => dataSource.OpenConnectionAsync().AsTask()));
        try
        {
            foreach (var connection in connections)
            {
                await using var show = new NpgsqlCommand("SHOW plan_cache_mode", connection);
                Assert.That(await show.ExecuteScalarAsync(), Is.EqualTo("auto"));
            }
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task Writes_nothing_when_one_of_its_statements_fails()
    {
        var existing = await ACase.Submitted().StoreUnannouncedAsync(App);
        var fresh = ACase.Submitted().Build(DateTimeOffset.UtcNow);
        var read = await App.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == existing.Id));
        var work = Rows.Begin();
        work.Attach(read);
        read.PoliceReference = "K-1111-TEST";
        CaseLifecycle.Submit(work, fresh, new Actor("test-officer", Roles.PoliceOfficer, "test-unit"), DateTimeOffset.UtcNow);
        // The same case again, last: its key is taken, so the batch fails after everything before it was sent.
        work.Add(ACase.Submitted().WithId(existing.Id).Build(DateTimeOffset.UtcNow));

        Assert.That(() => work.SaveAsync(CancellationToken.None), Throws.InstanceOf<PostgresException>());

        var (reference, stored) = await App.WithDbAsync(async db => (
            await db.Cases.Where(c => c.Id == existing.Id).Select(c => c.PoliceReference).SingleAsync(),
            await db.Cases.CountAsync(c => c.Id == fresh.Id)));
        Assert.Multiple(() =>
        {
            Assert.That(reference, Is.Not.EqualTo("K-1111-TEST"), "the update is rolled back");
            Assert.That(stored, Is.Zero, "the new case is rolled back");
        });
    }
}
