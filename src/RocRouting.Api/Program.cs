using System.Text.Json;
using System.Text.Json.Serialization;
using RocRouting.Api.Audit;
using RocRouting.Api.Cases;
using RocRouting.Api.Console;
using RocRouting.Api.Health;
using RocRouting.Api.Inbox;
using RocRouting.Api.Infrastructure;
using RocRouting.Api.Notifications;
using RocRouting.Api.Municipalities;
using RocRouting.Api.Operations;
using RocRouting.Api.Queue;
using RocRouting.Api.Rosters;
using RocRouting.Api.Routing;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddRocDefaults();
builder.AddRocAuthentication();
builder.AddConsole();
// Intake goes on while the broker is down: accepted cases wait in the outbox.
builder.AddRocBus(waitForBroker: false);
builder.Services.AddOutboxRelay();
builder.Services.AddRocWarmUp(typeof(CaseSubmitted));
builder.Services.AddScoped<CaseIntake>();
builder.Services.AddSingleton<DeadLetters>();
builder.AddNotifications();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<DependencyUnavailable>();
builder.Services.AddExceptionHandler<ConsoleErrorPage>();
builder.Services.AddRocRateLimiting();
builder.Services.AddRequestsInFlightBound();
builder.Services.AddPersonalDataProtection();
builder.Services.AddReadiness();
builder.Services.AddOpenApi();
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
    o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
});

var app = builder.Build();
// A missing or malformed key stops the start here, not at the first case.
app.Services.ValidatePersonalDataProtection();
app.UseSecurityHeaders(OrganisationSignIn.ProviderOrigin(app.Configuration));
// The console's stylesheet and script: public, and before sign-in so the sign-in pages have them too.
app.UseStaticFiles();
app.UseRequestsInFlightBound();
app.UseExceptionHandler();
// A person's browser gets a Swedish page for a status without a body; everything else problem details.
app.UseWhen(http => ConsoleRoutes.IsPageRequest(http.Request), console => console.UseStatusCodePagesWithReExecute(ConsoleRoutes.Status + "/{0}"));
app.UseWhen(http => !ConsoleRoutes.IsPageRequest(http.Request), api => api.UseStatusCodePages());
// After the status code pages, so that a re-executed request is routed to its page.
app.UseRouting();
app.UseAuthentication();
app.UseRateLimiter();
app.UseAuthorization();
app.UseAntiforgery();

app.MapHealthApi();
// The document maps the attack surface; only signed-in users of the service need it.
app.MapOpenApi().RequireAuthorization(Policies.AnyUser);
app.MapCasesApi();
app.MapCaseActionsApi();
app.MapQueueApi();
app.MapInboxApi();
app.MapOperationsApi();
app.MapDeadLettersApi();
app.MapAuditApi();
app.MapRoutingApi();
app.MapMunicipalitiesApi();
app.MapRostersApi();
app.MapNotificationsApi();
app.MapConsole();

app.Run();

public partial class Program;
