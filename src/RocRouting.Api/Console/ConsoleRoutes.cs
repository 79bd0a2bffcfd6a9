using RocRouting.Cases;

namespace RocRouting.Api.Console;

/// <summary>The console's addresses, written once: pages link with these, sign-in redirects with them.</summary>
public static class ConsoleRoutes
{
    public const string Start = "/";
    public const string NewCase = "/cases/new";
    public const string UnitCases = "/cases";
    public const string Queue = "/queue";
    public const string Signals = "/signals";
    public const string Operations = "/operations";
    public const string Audit = "/audit";
    public const string Rosters = "/rosters";
    public const string SignIn = "/sign-in";
    public const string SignOut = "/sign-out";
    public const string SignedOut = "/signed-out";
    public const string Forbidden = "/forbidden";
    public const string SignInRefused = "/sign-in/refused";
    public const string DevSignIn = "/dev/sign-in";
    public const string Live = "/live";
    public const string Preview = "/cases/new/preview";

    public const string Status = "/status";

    public static string Case(Guid caseId) => $"/cases/{caseId}";

    public static string Roster(string organisation, string? done = null) =>
        $"{Rosters}?organisation={Uri.EscapeDataString(organisation)}{(done is null ? "" : "&done=" + done)}";

    /// <summary>
    /// A person's browser asking for a page (not the JSON API, a probe or the console's own scripts):
    /// an error is answered with a Swedish page, not problem details.
    /// </summary>
    public static bool IsPageRequest(HttpRequest request) =>
        !request.Path.StartsWithSegments("/api") && !request.Path.StartsWithSegments("/openapi") && !request.Path.StartsWithSegments("/health")
        && !request.Headers.ContainsKey(ConsoleSignIn.ScriptHeader)
        && request.Headers.Accept.Any(a => a?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true);

    /// <summary>Where a person's work starts, by the role that decides their access.</summary>
    public static string StartOf(string role) => role switch
    {
        Roles.PoliceOfficer => UnitCases,
        Roles.SocialjourStaff or Roles.MunicipalityStaff => Queue,
        Roles.Operator => Operations,
        Roles.Auditor => Audit,
        _ => Forbidden,
    };
}
