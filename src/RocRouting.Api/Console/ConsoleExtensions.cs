using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using RocRouting.Api.Console.Components;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Hosting;
using RocRouting.Routing;

namespace RocRouting.Api.Console;

/// <summary>
/// The browser console: Razor components rendered on the server (static rendering: no circuit, no
/// sticky session), plain HTML forms with antiforgery, and one small script for the live feed, the
/// countdowns and the routing preview.
/// </summary>
public static class ConsoleExtensions
{
    public static IHostApplicationBuilder AddConsole(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConsoleOptions>().BindConfiguration("Console");
        builder.Services.AddRazorComponents();
        // Swedish letters go into the pages as themselves (UTF-8), not as character references: "Södertälje"
        // was written in five pieces ("S", "&#xF6;", "dert", "&#xE4;", "lje"), each a chunk of the renderer's
        // buffer, and six bytes a letter instead of two. Markup characters, quotes and control characters
        // are still encoded. Only the HTML encoder: URLs keep percent-encoding and scripts their escapes.
        builder.Services.AddSingleton(HtmlEncoder.Create(UnicodeRanges.BasicLatin, UnicodeRanges.Latin1Supplement));
        // One key ring for every instance, in the service's database: no sticky sessions (README, the console).
        builder.Services.AddDataProtection().SetApplicationName("RocRouting").PersistKeysToDbContext<RocDbContext>();
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = builder.Environment.IsDevelopment() ? "roc-antiforgery" : "__Host-roc-antiforgery";
            o.Cookie.SecurePolicy = builder.Environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        });
        builder.Services.AddSingleton<Swedish>();
        builder.Services.AddSingleton<QueueCards>();
        builder.Services.AddSingleton<QueueReads>();
        builder.Services.AddSingleton<LiveFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LiveFeed>());
        builder.AddConsoleSignIn();
        return builder;
    }

    public static WebApplication MapConsole(this WebApplication app)
    {
        app.MapRazorComponents<App>();
        app.MapLiveApi();
        app.MapConsoleSignIn(app.Environment);
        app.MapGet(ConsoleRoutes.Preview, Preview).RequireAuthorization(Policies.PoliceOfficer).ExcludeFromDescription();
        return app;
    }

    /// <summary>The new-case form's routing preview, re-rendered by the script as the facts change.</summary>
    internal static Results<RazorComponentResult<RoutingPreview>, ValidationProblem> Preview(
        string? home, string? foundIn, string? urgency, RoutingConfiguration config, TimeProvider time)
    {
        var errors = new Dictionary<string, string[]>();
        if (!string.IsNullOrEmpty(home) && !config.Register.Contains(home))
        {
            errors["home"] = ["is not an official 4-digit municipality code (empty when unknown)"];
        }
        if (!string.IsNullOrEmpty(foundIn) && !config.Register.Contains(foundIn))
        {
            errors["foundIn"] = ["is not an official 4-digit municipality code"];
        }
        Urgency parsed = default;
        if (!string.IsNullOrEmpty(urgency) && !Wire.TryParse(urgency, out parsed))
        {
            errors["urgency"] = [$"must be one of {string.Join(", ", Wire.AllNames<Urgency>())}"];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        CaseFacts? facts = string.IsNullOrEmpty(foundIn) || string.IsNullOrEmpty(urgency)
            ? null
            : new CaseFacts(string.IsNullOrEmpty(home) ? null : home, foundIn, parsed);
        return new RazorComponentResult<RoutingPreview>(new { Facts = facts, At = time.GetUtcNow() });
    }
}
