using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Microsoft.EntityFrameworkCore;
using RocRouting.Cases;
using RocRouting.Data;
using RocRouting.Data.Privacy;
using RocRouting.Hosting;

namespace RocRouting.Api.Notifications;

/// <summary>The credentials the SMS gateway posts replies with (section Notifications:Sms); none: replies are not taken.</summary>
public sealed class SmsReplyOptions
{
    public string? InboundUsername { get; set; }

    public string? InboundPassword { get; set; }

    public bool Enabled => !string.IsNullOrEmpty(InboundUsername) && !string.IsNullOrEmpty(InboundPassword);
}

/// <summary>
/// Replies to the alert SMS, as the gateway posts them (46elks: form-encoded from/to/message, with the
/// basic credentials of the callback URL). A reply with the case's code acknowledges the case for
/// the person whose number it came from; the answer is the text of the reply SMS.
/// </summary>
public static partial class SmsRepliesApi
{
    public static IEndpointRouteBuilder MapSmsRepliesApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/v1/sms/replies", ReplyAsync).AllowAnonymous().DisableAntiforgery().WithTags("Notifications").WithName("SmsReply");
        routes.MapPost("/api/v1/sms/delivery-reports", DeliveryReportAsync).AllowAnonymous().DisableAntiforgery().WithTags("Notifications").WithName("SmsDeliveryReport");
        return routes;
    }

    /// <summary>The gateway's callback credentials, compared in constant time; null when the request may go on.</summary>
    private static IResult? RefuseCaller(HttpRequest http, SmsReplyOptions o)
    {
        if (!o.Enabled)
        {
            return TypedResults.NotFound();
        }
        var expected = Encoding.UTF8.GetBytes("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{o.InboundUsername}:{o.InboundPassword}")));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(http.Headers.Authorization.ToString()), expected))
        {
            return TypedResults.Unauthorized();
        }
        return http.HasFormContentType
            ? null
            : TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["$"] = ["must be form-encoded, as the gateway posts"] });
    }

    /// <summary>
    /// The gateway's delivery report (46elks: form-encoded id, status "delivered" or "failed"): a
    /// failed SMS is a failed notification, which operators see.
    /// </summary>
    internal static async Task<IResult> DeliveryReportAsync(
        HttpRequest http, IOptions<SmsReplyOptions> options, RocDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (RefuseCaller(http, options.Value) is { } refused)
        {
            return refused;
        }
        var form = await http.ReadFormAsync(cancellationToken);
        var id = form["id"].ToString();
        var updated = form["status"].ToString() switch
        {
            "delivered" => await db.Notifications.Where(n => n.GatewayId == id && id != "")
                .ExecuteUpdateAsync(u => u.SetProperty(n => n.DeliveredAt, time.GetUtcNow()), cancellationToken),
            "failed" => await db.Notifications.Where(n => n.GatewayId == id && id != "")
                .ExecuteUpdateAsync(
                    u => u.SetProperty(n => n.State, NotificationState.Failed).SetProperty(n => n.LastError, "the SMS gateway reports the SMS was not delivered"),
                    cancellationToken),
            _ => 0,
        };
        // The gateway retries a report that is not answered 2xx; an unknown id is no reason for it to.
        return TypedResults.Ok(new { updated });
    }

    internal static async Task<IResult> ReplyAsync(
        HttpRequest http, IOptions<SmsReplyOptions> options, RocDbContext db, ChildKeys keys, PersonalDataProtector protector, RocMetrics metrics,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (RefuseCaller(http, options.Value) is { } refused)
        {
            return refused;
        }
        var form = await http.ReadFormAsync(cancellationToken);
        var number = MobileNumberApi.Normalise(form["from"].ToString());
        var code = Code().Match(form["message"].ToString());
        if (number is null || !code.Success)
        {
            return TypedResults.Text("RocRouting: svara med ärendets kod (sex siffror) för att kvittera.");
        }
        var now = time.GetUtcNow();
        var notification = await PhoneAcknowledgement.FindByReplyAsync(db, keys, number, code.Value, now, cancellationToken);
        if (notification is null)
        {
            return TypedResults.Text($"RocRouting: ingen väntande notis med kod {code.Value}. Ingenting har ändrats.");
        }
        var outcome = await PhoneAcknowledgement.AcknowledgeAsync(db, protector, notification, metrics, now, cancellationToken);
        return TypedResults.Text(outcome switch
        {
            PhoneAcknowledgementOutcome.Acknowledged => $"RocRouting: kvitterat, ärende {code.Value} är ditt.",
            PhoneAcknowledgementOutcome.AlreadyTaken => $"RocRouting: ärende {code.Value} är redan kvitterat. Ingenting har ändrats.",
            PhoneAcknowledgementOutcome.AlreadyUsed => $"RocRouting: koden {code.Value} är redan använd. Ingenting har ändrats.",
            _ => $"RocRouting: ärende {code.Value} är inte längre hos din organisation. Ingenting har ändrats.",
        });
    }

    [GeneratedRegex(@"\b[0-9]{6}\b")]
    private static partial Regex Code();
}
