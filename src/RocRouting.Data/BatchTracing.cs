using System.Diagnostics;
using Npgsql;
using RocRouting.Cases;

namespace RocRouting.Data;

/// <summary>
/// Which statement batches get Npgsql's own span. Npgsql tags a batch's span with the text of all its
/// statements, joined anew on every execution whenever a tracer listens: for a routing transaction of a
/// hundred cases, hundreds of kilobytes per commit, allocated on the large-object heap and then scanned
/// by the span redactor, for a text that says nothing the statement count does not. A larger batch is
/// traced by a span of its own that counts its statements instead.
/// </summary>
public static class BatchTracing
{
    /// <summary>An intake's four statements and EF Core's usual batches stay under it; a routing transaction does not.</summary>
    public const int MaxStatementsTracedByNpgsql = 16;

    public const string BatchSizeTag = "db.operation.batch.size";

    /// <summary>The filter given to Npgsql (<see cref="NpgsqlTracingOptionsBuilder.ConfigureBatchFilter"/>).</summary>
    public static bool TracedByNpgsql(NpgsqlBatch batch) => batch.BatchCommands.Count <= MaxStatementsTracedByNpgsql;

    /// <summary>The span of a batch Npgsql does not trace, or null when Npgsql does (or nobody listens).</summary>
    public static Activity? StartUnlessTracedByNpgsql(NpgsqlBatch batch)
    {
        if (TracedByNpgsql(batch))
        {
            return null;
        }
        var activity = RocDiagnostics.Source.StartActivity("postgresql batch", ActivityKind.Client);
        activity?.SetTag("db.system.name", "postgresql");
        activity?.SetTag(BatchSizeTag, batch.BatchCommands.Count);
        return activity;
    }
}
