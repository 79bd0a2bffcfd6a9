using RocRouting.Contracts;
using RocRouting.Routing;

namespace RocRouting.Worker.Notifications;

/// <summary>
/// The SMS a person on duty gets, in Swedish: which organisation, by when, the case's short code (to
/// reply with) and a link. Never the child, the summary or anyone's name: an SMS is read on a lock screen.
/// </summary>
public static class SmsText
{
    public static string For(NotificationStep step, Urgency urgency, string organisation, string? acknowledgeBy, string code, Uri link)
    {
        var by = acknowledgeBy is null ? "" : $" Kvittera senast {acknowledgeBy}.";
        var what = step switch
        {
            NotificationStep.Routed when urgency == Urgency.Immediate => $"AKUT ärende till {organisation}.{by}",
            NotificationStep.Routed => $"Nytt ärende till {organisation}.{by}",
            NotificationStep.Overdue => $"Ärende till {organisation} är inte kvitterat.{by}",
            _ => $"Eskalering: ärende till {organisation} är fortfarande inte kvitterat.",
        };
        return $"RocRouting: {what} Kod {code}. {link}";
    }
}
