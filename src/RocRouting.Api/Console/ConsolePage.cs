using Microsoft.AspNetCore.Components;
using RocRouting.Cases;
using RocRouting.Routing;

namespace RocRouting.Api.Console;

/// <summary>What every console page reads: the request, the person (as the access rules see them), Swedish and the clock.</summary>
public abstract class ConsolePage : ComponentBase
{
    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = null!;

    [Inject]
    public RoutingConfiguration Config { get; set; } = null!;

    [Inject]
    public Swedish Sv { get; set; } = null!;

    [Inject]
    public TimeProvider Time { get; set; } = null!;

    [Inject]
    public NavigationManager Navigation { get; set; } = null!;

    protected CaseReader Reader => _reader ??= CaseReader.From(HttpContext.User, Config);

    private CaseReader? _reader;

    /// <summary>"2026-12-24T02:00" as a person in Stockholm means it (a datetime-local field's value), or null.</summary>
    protected DateTimeOffset? StockholmWallTime(string? text)
    {
        if (!DateTime.TryParseExact(text, "yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var local)
            || local.Year is < 1900 or > 2199)
        {
            return null;
        }
        return new DateTimeOffset(local, Config.DefaultCalendar.Zone.GetUtcOffset(local));
    }

    /// <summary>An instant as a datetime-local field shows it, in Stockholm time.</summary>
    protected string WallTimeValue(DateTimeOffset at) => Config.DefaultCalendar.ToLocal(at).ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    protected bool IsPost => HttpMethods.IsPost(HttpContext.Request.Method);

    /// <summary>
    /// The page answers 404 with its own content. Set when the response starts: the component endpoint
    /// drops the body of a render that ends with 404 (it expects a status-code page to re-execute).
    /// </summary>
    protected void NotFound() => HttpContext.Response.OnStarting(() =>
    {
        HttpContext.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    });
}
