using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RocRouting.Cases;
using RocRouting.Data;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Data;

/// <summary>
/// A batch of many statements must not become one span attribute of their joined text
/// (<see cref="BatchTracing"/>), while a small batch keeps Npgsql's span with its statements.
/// </summary>
public sealed class Tracing_a_row_batch : SharedAppTest
{
    private static readonly ActivitySource Test = new("RocRouting.Tests.BatchTracing");

    private RowWriter Rows => App.Worker.Services.GetRequiredService<RowWriter>();

    [Test]
    public async Task A_large_batch_is_one_span_that_counts_its_statements_instead_of_carrying_their_text()
    {
        // New rows of a table share a statement, as do updates of the same columns: each of these cases
        // has another set of its columns changed, an UPDATE of its own.
        var columns = new Action<ChildCase, string>[]
        {
            (c, v) => c.PoliceReference = v, (c, v) => c.ReportedByPhone = v, (c, v) => c.ReportedByUnit = v,
            (c, v) => c.ReportedByOfficerId = v, (c, v) => c.SubmittedByUnit = v,
        };
        var work = Rows.Begin();
        for (var i = 1; i <= BatchTracing.MaxStatementsTracedByNpgsql + 1; i++)
        {
            var stored = await ACase.Submitted().StoreUnannouncedAsync(App);
            var @case = await App.WithDbAsync(db => db.Cases.AsNoTracking().SingleAsync(c => c.Id == stored.Id));
            work.Attach(@case);
            for (var column = 0; column < columns.Length; column++)
            {
                if ((i & (1 << column)) != 0)
                {
                    columns[column](@case, $"ändrad {i}");
                }
            }
        }
        var spans = await TraceAsync(work);

        Assert.Multiple(() =>
        {
            Assert.That(spans.Where(s => s.Source.Name == "Npgsql"), Is.Empty, "Npgsql would tag the span with every statement's text");
            var batch = spans.SingleOrDefault(s => s.Source.Name == RocDiagnostics.Name && s.OperationName == "postgresql batch");
            Assert.That(batch?.GetTagItem(BatchTracing.BatchSizeTag), Is.GreaterThan(BatchTracing.MaxStatementsTracedByNpgsql));
            Assert.That(spans.SelectMany(s => s.TagObjects).Select(t => t.Value).OfType<string>().Where(v => v.Contains("UPDATE", StringComparison.Ordinal)), Is.Empty);
        });
    }

    [Test]
    public async Task A_small_batch_keeps_npgsqls_span_with_its_statements()
    {
        var work = Rows.Begin();
        CaseLifecycle.Submit(work, ACase.Submitted().Build(DateTimeOffset.UtcNow), new Actor("test-officer", Roles.PoliceOfficer, "test-unit"), DateTimeOffset.UtcNow);
        var spans = await TraceAsync(work);

        Assert.Multiple(() =>
        {
            Assert.That(spans.Where(s => s.OperationName == "postgresql batch"), Is.Empty);
            var npgsql = spans.Where(s => s.Source.Name == "Npgsql").ToList();
            Assert.That(npgsql, Has.Count.EqualTo(1));
            Assert.That(npgsql.SelectMany(s => s.TagObjects).Select(t => t.Value).OfType<string>().Any(v => v.Contains("INSERT INTO", StringComparison.Ordinal)), Is.True);
        });
    }

    /// <summary>The spans recorded under one parent while <paramref name="work"/> is written.</summary>
    private static async Task<List<Activity>> TraceAsync(RowBatch work)
    {
        var recorded = new ConcurrentQueue<Activity>();
        ActivityTraceId traceId = default;
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Npgsql" or RocDiagnostics.Name || s == Test,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.TraceId == traceId && a.Source != Test)
                {
                    recorded.Enqueue(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using (var parent = Test.StartActivity("write"))
        {
            traceId = parent!.TraceId;
            await work.SaveAsync(CancellationToken.None);
        }
        return [.. recorded];
    }
}
