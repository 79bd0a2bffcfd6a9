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
