using Microsoft.EntityFrameworkCore;
using RocRouting.Api.Cases;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Data.Privacy;
using RocRouting.Hosting;

namespace RocRouting.Api.Notifications;

public enum LinkState
{
    /// <summary>Forged, malformed, or naming nothing: answered as not found.</summary>
    Invalid,
    Expired,
    Used,
    Ready,
}

public enum PhoneAcknowledgementOutcome
{
    Acknowledged,

    /// <summary>The link or code was used before: nothing was done this time.</summary>
    AlreadyUsed,

    /// <summary>Someone had taken the case already.</summary>
    AlreadyTaken,

    /// <summary>The case is with another organisation now, or closed.</summary>
    NoLongerYours,
}

/// <summary>A notification's link, read: what it is about and whether it can still act.</summary>
public sealed record NotificationLink(LinkState State, Notification? Notification, ChildCase? Case);

/// <summary>
/// Acknowledging from the phone, for the link in a notification and for an SMS reply with the case's
/// code: the same transition as the console's Kvittera (<see cref="CaseCommands.AcknowledgeAsync"/>),
/// acting as the person the notification was for, as staff of the organisation that has the case.
/// Each link and code works once; a repeat does nothing and says so.
/// </summary>
public static class PhoneAcknowledgement
{
    public static async Task<NotificationLink> ReadLinkAsync(
        RocDbContext db, AcknowledgementLinks links, string? token, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!links.TryRead(token, now, out var id, out var expired)
            || await db.Notifications.AsNoTracking().SingleOrDefaultAsync(n => n.Id == id, cancellationToken) is not { } notification)
        {
            return new NotificationLink(LinkState.Invalid, null, null);
        }
        var @case = await db.Cases.AsNoTracking().SingleAsync(c => c.Id == notification.CaseId, cancellationToken);
        var state = notification.LinkUsedAt is not null ? LinkState.Used : expired ? LinkState.Expired : LinkState.Ready;
        return new NotificationLink(state, notification, @case);
    }

    public static async Task<PhoneAcknowledgementOutcome> AcknowledgeAsync(
        RocDbContext db, PersonalDataProtector protector, Notification notification, RocMetrics metrics, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var claimed = await db.Notifications.Where(n => n.Id == notification.Id && n.LinkUsedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(n => n.LinkUsedAt, now), cancellationToken);
        if (claimed == 0)
        {
            return PhoneAcknowledgementOutcome.AlreadyUsed;
        }
        if (!Recipient.TryParse(notification.Organisation, out var organisation))
        {
            return PhoneAcknowledgementOutcome.NoLongerYours;
        }
        var result = await CaseCommands.AcknowledgeAsync(
            db, protector, notification.CaseId, CaseReader.OnDutyFor(notification.Person, organisation), null, metrics, now, cancellationToken);
        return result switch
        {
            { Refusal: null, Action.Changed: true } => PhoneAcknowledgementOutcome.Acknowledged,
            { Refusal: null } => PhoneAcknowledgementOutcome.AlreadyTaken,
            _ => PhoneAcknowledgementOutcome.NoLongerYours,
        };
    }

    /// <summary>
    /// The notification an SMS reply answers: the sender's number belongs to the person it went to,
    /// and the reply names its case's code. The newest unused one, if several.
    /// </summary>
    public static async Task<Notification?> FindByReplyAsync(
        RocDbContext db, ChildKeys keys, string number, string code, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var fingerprints = keys.AllForContact(Wire.Name(ContactChannel.Sms), number);
        var people = await db.ContactPoints.AsNoTracking()
            .Where(c => c.Channel == ContactChannel.Sms && fingerprints.Contains(c.Fingerprint))
            .Select(c => c.Person)
            .ToListAsync(cancellationToken);
        var since = now - TimeSpan.FromDays(1);
        var candidates = await db.Notifications.AsNoTracking()
            .Where(n => people.Contains(n.Person) && n.Channel == ContactChannel.Sms && n.LinkUsedAt == null && n.CreatedAt >= since)
            .OrderByDescending(n => n.CreatedAt)
            .ToListAsync(cancellationToken);
        return candidates.FirstOrDefault(n => CaseCodes.Of(n.CaseId) == code);
    }
}
