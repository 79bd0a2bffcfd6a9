using RocRouting.IntegrationTests.Infrastructure;

namespace RocRouting.IntegrationTests.Observability;

public sealed class Exporting_telemetry
{
    [Test]
    public async Task Sends_traces_and_metrics_over_otlp_when_an_endpoint_is_configured()
    {
        await using var collector = new TestReceiver();
        await collector.StartAsync();
        var app = await RocApp.StartAsync(prefix: "otlp.", extraSettings: new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.BaseUrl.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        });

        try
        {
            var caseId = await StaffActions.SubmitAsync(app, "0138", "urgent");
            await StaffActions.RoutedAsync(app, caseId);
            // The batch exporter sends every few seconds; metrics at the end of their interval or on shutdown.
            await Eventually.Until(() => Task.FromResult(collector.On("/v1/traces").Any()), "spans at the collector", TimeSpan.FromSeconds(30));
        }
        finally
        {
            await app.DisposeAsync();
        }
        Assert.That(collector.On("/v1/metrics"), Is.Not.Empty, "metrics are flushed when the processes stop");
    }
}
