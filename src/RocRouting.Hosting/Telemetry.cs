using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using RocRouting.Cases;
using RocRouting.Routing.Identity;

namespace RocRouting.Hosting;

public static class TelemetryExtensions
{
    /// <summary>Our own spans and MassTransit's (native sources); ASP.NET Core, HttpClient and Npgsql come through their instrumentation.</summary>
    public static readonly string[] ActivitySources = [RocDiagnostics.Name, "MassTransit"];

    /// <summary>Meters the frameworks emit natively (.NET 10), beside ours; the runtime's is "System.Runtime".</summary>
    public static readonly string[] Meters =
    [
        RocDiagnostics.Name, "MassTransit", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.RateLimiting", "System.Net.Http", "System.Runtime",
    ];

    /// <summary>
    /// OpenTelemetry tracing and metrics through the hosting package, with the maintained
    /// instrumentation for ASP.NET Core, HttpClient and Npgsql. Nothing leaves the process unless
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set, and spans are recorded only then; logs carry trace ids either way.
    /// </summary>
    public static IHostApplicationBuilder AddRocTelemetry(this IHostApplicationBuilder builder)
    {
        var serviceName = builder.Environment.ApplicationName;
        // Read from the host's configuration (environment variables included), so a setting in any
        // configuration source turns export on; the SDK alone would only look at the environment.
        var endpoint = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var protocol = builder.Configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        builder.Services.AddSingleton<RocMetrics>();
        var exporting = !string.IsNullOrWhiteSpace(endpoint);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId))
            .WithTracing(t =>
            {
                t.AddSource(ActivitySources)
                    // Health probes every few seconds would drown the cases' traces.
                    .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql()
                    .AddProcessor(new IdentityNumberRedactor());
                if (!exporting)
                {
                    // Spans recorded for nobody were a large share of a restarted worker's CPU in a backlog
                    // drain: their attributes, the garbage they leave, the redactor over each (README,
                    // Performance). Unrecorded, a request's or a message's span still carries its trace id
                    // into the logs and on to the next process. With an exporter, OTEL_TRACES_SAMPLER
                    // decides (by default every span is recorded).
                    t.SetSampler(new AlwaysOffSampler());
                }
            })
            .WithMetrics(m => m
                .AddMeter(Meters)
                .AddNpgsqlInstrumentation());
        if (exporting)
        {
            otel.UseOtlpExporter(protocol, new Uri(endpoint!));
        }
        return builder;
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

    /// <summary>Without allocating: it runs on every string attribute of every recorded span.</summary>
    public static bool ContainsIdentityNumber(string text)
    {
        Span<char> digits = stackalloc char[12];
        foreach (var match in Candidate().EnumerateMatches(text))
        {
            var count = 0;
            foreach (var c in text.AsSpan(match.Index, match.Length))
            {
                if (char.IsAsciiDigit(c))
                {
                    digits[count++] = c;
                }
            }
            if (PersonalIdentityNumber.ChecksumIsValid(digits[(count - 10)..count]))
            {
                return true;
            }
        }
        return false;
    }

    [GeneratedRegex(@"(?<![0-9])(?:[0-9]{8}|[0-9]{6})[-+]?[0-9]{4}(?![0-9])")]
    private static partial Regex Candidate();
}
