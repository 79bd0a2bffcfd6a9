using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RocRouting.Cases;
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
