using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;
using RocRouting.Cases;
using RocRouting.Hosting;

namespace RocRouting.Architecture.Tests;

/// <summary>
/// A process with nowhere to send its spans does not record them, yet keeps their trace ids (for its
/// logs and the next process). Here rather than in the integration tests, whose process records every
/// span for its own checks.
/// </summary>
public sealed class Tracing_without_an_exporter
{
    [Test]
    public void Spans_carry_their_trace_id_but_record_nothing()
    {
        using var host = HostWith(endpoint: null);

        using var span = RocDiagnostics.Source.StartActivity("probe");

        Assert.That(span, Is.Not.Null, "a span is still started, so logs and messages carry its trace id");
        Assert.That(span!.IsAllDataRequested, Is.False);
    }

    [Test]
    public void An_exporter_endpoint_has_spans_recorded()
    {
        var host = HostWith(endpoint: "http://127.0.0.1:4317");
        var span = RocDiagnostics.Source.StartActivity("probe");
        var recorded = span?.IsAllDataRequested;
        // The provider stops listening first, so the span ends unexported: nothing is sent anywhere.
        host.Dispose();
        span?.Dispose();

        Assert.That(recorded, Is.True);
    }

    private static IHost HostWith(string? endpoint)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint });
        builder.AddRocTelemetry();
        var host = builder.Build();
        // The provider (and with it the listener) is built when first resolved.
        host.Services.GetRequiredService<TracerProvider>();
        return host;
    }
}
