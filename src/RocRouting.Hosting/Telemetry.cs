using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using RocRouting.Cases;

namespace RocRouting.Hosting;

public static class TelemetryExtensions
{
    /// <summary>The sources whose spans make up a case's trace: ours and what the frameworks emit natively.</summary>
    public static readonly string[] ActivitySources = [RocDiagnostics.Name, "Microsoft.AspNetCore", "System.Net.Http", "Npgsql", "MassTransit"];

    public static readonly string[] Meters =
    [
        RocDiagnostics.Name, "MassTransit", "Npgsql", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.RateLimiting", "System.Net.Http", "System.Runtime",
    ];

    /// <summary>
    /// OpenTelemetry tracing and metrics, built with <see cref="OpenTelemetrySdk.Create"/> (the hosting
    /// package is not served here) and owned by DI, so the host disposes (and flushes) it on stop.
    /// Spans are always recorded, so logs carry trace ids; nothing leaves the process unless
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set.
    /// </summary>
    public static IHostApplicationBuilder AddRocTelemetry(this IHostApplicationBuilder builder)
    {
        var serviceName = builder.Environment.ApplicationName;
        // Read from the host's configuration (environment variables included), so a setting in any
        // configuration source turns export on; the SDK alone would only look at the environment.
        var endpoint = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var protocol = builder.Configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        builder.Services.AddSingleton<RocMetrics>();
        builder.Services.AddSingleton(_ => OpenTelemetrySdk.Create(otel =>
        {
            otel.ConfigureResource(r => r.AddService(serviceName, serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId));
            otel.WithTracing(t => t.AddSource(ActivitySources).AddProcessor(new IdentityNumberRedactor()));
            otel.WithMetrics(m => m.AddMeter(Meters));
            if (!string.IsNullOrWhiteSpace(endpoint))
            {
                otel.UseOtlpExporter(protocol, new Uri(endpoint));
            }
        }));
        builder.Services.AddHostedService<TelemetryStarter>();
        return builder;
    }

    /// <summary>Resolving the SDK starts its listeners; a hosted service does it before anything else runs.</summary>
    private sealed class TelemetryStarter(OpenTelemetrySdk sdk) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            GC.KeepAlive(sdk);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>
/// The safety net behind "never personal data in a span": any attribute, name or status text that
/// holds something shaped like a Swedish identity number (6 or 8 digits, optional separator, 4
/// digits, valid check digit) is replaced before export. Spans should never carry one; this is for
/// the day someone adds a tag carelessly, or a framework copies a value it should not.
/// </summary>
public sealed partial class IdentityNumberRedactor : BaseProcessor<Activity>
{
    public const string Redacted = "[redacted]";

    public override void OnEnd(Activity data)
    {
        List<string>? keys = null;
        foreach (var (key, value) in data.TagObjects)
        {
            if (value is string text && ContainsIdentityNumber(text))
            {
                (keys ??= []).Add(key);
            }
        }
        foreach (var key in keys ?? [])
        {
            data.SetTag(key, Redacted);
        }
        if (ContainsIdentityNumber(data.DisplayName))
        {
            data.DisplayName = Redacted;
        }
        if (data.StatusDescription is { } status && ContainsIdentityNumber(status))
        {
            data.SetStatus(data.Status, Redacted);
        }
    }

    public static bool ContainsIdentityNumber(string text)
    {
        foreach (Match match in Candidate().Matches(text))
        {
            var digits = match.Value.Replace("-", "", StringComparison.Ordinal).Replace("+", "", StringComparison.Ordinal);
            if (Luhn(digits[^10..]))
            {
                return true;
            }
        }
        return false;
    }

    private static bool Luhn(string tenDigits)
    {
        var sum = 0;
        for (var i = 0; i < tenDigits.Length; i++)
        {
            var d = (tenDigits[i] - '0') * (i % 2 == 0 ? 2 : 1);
            sum += d > 9 ? d - 9 : d;
        }
        return sum % 10 == 0;
    }

    [GeneratedRegex(@"(?<![0-9])(?:[0-9]{8}|[0-9]{6})[-+]?[0-9]{4}(?![0-9])")]
    private static partial Regex Candidate();
}
