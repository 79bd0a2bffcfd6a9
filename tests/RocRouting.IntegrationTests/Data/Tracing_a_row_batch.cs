using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using RocRouting.Cases;
using RocRouting.Data;
using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Data;

/// <summary>
/// A routing transaction's hundreds of statements must not become one span attribute of their joined
/// text (<see cref="BatchTracing"/>), while a small batch keeps Npgsql's span with its statements.
/// </summary>
public sealed class Tracing_a_row_batch : SharedAppTest
{
    private static readonly ActivitySource Test = new("RocRouting.Tests.BatchTracing");

    private RowWriter Rows => App.Worker.Services.GetRequiredService<RowWriter>();

    [Test]
    public async Task A_large_batch_is_one_span_that_counts_its_statements_instead_of_carrying_their_text()
    {
        // The rows of each table go 32, 16, 8, 4, 2 and 1 to a statement: six statements for each of a submission's tables.
        var spans = await TraceAsync(cases: 63);

        Assert.Multiple(() =>
        {
            Assert.That(spans.Where(s => s.Source.Name == "Npgsql"), Is.Empty, "Npgsql would tag the span with every statement's text");
            var batch = spans.SingleOrDefault(s => s.Source.Name == RocDiagnostics.Name && s.OperationName == "postgresql batch");
            Assert.That(batch?.GetTagItem(BatchTracing.BatchSizeTag), Is.GreaterThan(BatchTracing.MaxStatementsTracedByNpgsql));
            Assert.That(spans.SelectMany(s => s.TagObjects).Select(t => t.Value).OfType<string>().Where(v => v.Contains("INSERT", StringComparison.Ordinal)), Is.Empty);
        });
    }

    [Test]
    public async Task A_small_batch_keeps_npgsqls_span_with_its_statements()
    {
        var spans = await TraceAsync(cases: 1);

        Assert.Multiple(() =>
        {
            Assert.That(spans.Where(s => s.OperationName == "postgresql batch"), Is.Empty);
            var npgsql = spans.Where(s => s.Source.Name == "Npgsql").ToList();
            Assert.That(npgsql, Has.Count.EqualTo(1));
            Assert.That(npgsql.SelectMany(s => s.TagObjects).Select(t => t.Value).OfType<string>().Any(v => v.Contains("INSERT INTO", StringComparison.Ordinal)), Is.True);
        });
    }

    /// <summary>The spans recorded under one parent while a batch submitting <paramref name="cases"/> new cases is written.</summary>
    private async Task<List<Activity>> TraceAsync(int cases)
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
        var work = Rows.Begin();
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < cases; i++)
        {
            CaseLifecycle.Submit(work, ACase.Submitted().Build(now), new Actor("test-officer", Roles.PoliceOfficer, "test-unit"), now);
        }
        using (var parent = Test.StartActivity("write"))
        {
            traceId = parent!.TraceId;
            await work.SaveAsync(CancellationToken.None);
        }
        return [.. recorded];
    }
}
