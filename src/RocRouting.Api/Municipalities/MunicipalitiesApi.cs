using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using RocRouting.Api.Infrastructure;
using RocRouting.Hosting;
using RocRouting.Routing;

namespace RocRouting.Api.Municipalities;

public sealed record MunicipalityView(string Code, string Name, string CountyCode, string? County, bool InAgreement, string ServedBy);

public sealed record CalendarView(string MunicipalityCode, string Name, bool InAgreement, string TimeZone, IReadOnlyList<CalendarDay> Days);

/// <summary>One local date: opening hours in local time, or why the office is closed.</summary>
public sealed record CalendarDay(
    DateOnly Date,
    string Weekday,
    bool Open,
    string? Opens,
    string? Closes,
    DateTimeOffset? OpensAt,
    DateTimeOffset? ClosesAt,
    string? ClosedBecause,
    string? Holiday);

public static class MunicipalitiesApi
{
    public const int MaxCalendarDays = 366;

    /// <summary>The years the calendar answers for: its holidays are computed, and nobody plans further.</summary>
    public static readonly DateOnly FirstDate = new(1900, 1, 1);

    public static readonly DateOnly LastDate = new(2199, 12, 31);

    public static IEndpointRouteBuilder MapMunicipalitiesApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/municipalities").WithTags("Municipalities").RequireAuthorization(Policies.AnyUser);
        group.MapGet("/", List).WithName("ListMunicipalities");
        group.MapGet("/{code}/calendar", Calendar).WithName("MunicipalityCalendar");
        return routes;
    }

    internal static Ok<List<MunicipalityView>> List(RoutingConfiguration config) => TypedResults.Ok(
        config.Register.All.Select(m => new MunicipalityView(m.Code, m.Name, m.CountyCode, config.Register.CountyOf(m)?.Name, config.IsParticipant(m.Code), config.ServiceFor(m.Code).Id)).ToList());

    /// <summary>Office days and closed days (with the holiday's name) as routing sees them.</summary>
    internal static Results<Ok<CalendarView>, NotFound<ProblemDetails>, ValidationProblem> Calendar(
        string code, string? from, string? days, RoutingConfiguration config, TimeProvider time)
    {
        if (config.Register.Find(code) is not { } municipality)
        {
            return TypedResults.NotFound(new ProblemDetails { Status = 404, Title = "Unknown municipality code", Detail = "Use an official 4-digit code, e.g. 0138." });
        }
        var calendar = config.CalendarFor(code);
        var errors = new Dictionary<string, string[]>();
        var start = QueryValues.Date(from, "from", FirstDate, LastDate.AddDays(-MaxCalendarDays), errors) ?? calendar.LocalDate(time.GetUtcNow());
        var count = QueryValues.Int(days, "days", 14, 1, MaxCalendarDays, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var list = calendar.Days(start, count).Select(d => new CalendarDay(
            d.Date,
            d.Date.DayOfWeek.ToString(),
            d.Open is not null,
            d.Open is null ? null : calendar.LocalClock(d.Open.Opens),
            d.Open is null ? null : calendar.LocalClock(d.Open.Closes),
            d.Open?.Opens,
            d.Open?.Closes,
            d.Closed?.Reason,
            d.Closed?.Holiday?.Name)).ToList();
        return TypedResults.Ok(new CalendarView(municipality.Code, municipality.Name, config.IsParticipant(code), calendar.Zone.Id, list));
    }
}
