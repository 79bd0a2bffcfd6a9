namespace RocRouting.Cases;

public enum ContactChannel
{
    Push,
    Sms,
}

/// <summary>
/// Where a person is reached: a browser's push subscription or a mobile number. Personal data: the
/// value is sealed (AES-GCM under its own id) and found again by a keyed hash, never stored or
/// logged in the clear. <see cref="Service"/> is the push service's host (or the SMS gateway), which
/// says nothing about the person.
/// </summary>
public sealed class ContactPoint
{
    public Guid Id { get; set; }

    /// <summary>The person's sign-in subject.</summary>
    public required string Person { get; set; }

    public ContactChannel Channel { get; set; }

    public required byte[] Fingerprint { get; set; }

    public required string SealedValue { get; set; }

    public required string Service { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A browser's push subscription as it is sealed in a <see cref="ContactPoint"/>: the endpoint and the keys its messages are encrypted for.</summary>
public sealed record SealedPushSubscription(string Endpoint, SealedPushKeys Keys);

public sealed record SealedPushKeys(string P256dh, string Auth);

public enum NotificationState
{
    /// <summary>Due at <see cref="Notification.NextAttemptAt"/>.</summary>
    Pending,

    /// <summary>Handed to the SMS gateway, its answer not yet recorded: never handed over again (at most one SMS per step).</summary>
    Sending,

    /// <summary>A push service or gateway took it.</summary>
    Sent,

    /// <summary>No channel reached the person: operators see it.</summary>
    Failed,

    /// <summary>The case was taken (or moved on) before it went out: nobody is reached for nothing.</summary>
    Cancelled,
}

/// <summary>
/// One person to reach about one step of a case on one channel. Unique by case, step, person and
/// channel, so a redelivered message or a restarted worker never makes a second one; sent by the
/// worker with a lease (as webhook deliveries are), and cancelled the moment the case is taken.
/// </summary>
public sealed class Notification
{
    /// <summary>A notification to plan: pending from <paramref name="at"/>, as the planner and the fall-through to SMS make them.</summary>
    public static Notification Plan(
        Guid caseId, string step, int routeSequence, string organisation, string person, ContactChannel channel, DateTimeOffset at, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        CaseId = caseId,
        Step = step,
        RouteSequence = routeSequence,
        Organisation = organisation,
        Person = person,
        Channel = channel,
        State = NotificationState.Pending,
        NextAttemptAt = at,
        CreatedAt = now,
    };

    public Guid Id { get; set; }

    public Guid CaseId { get; set; }

    /// <summary>The step and the route it belongs to, e.g. "routed:1", "overdue:2" (<c>NotificationPolicy.StepKey</c>).</summary>
    public required string Step { get; set; }

    /// <summary>The route the step belongs to: a notification for an earlier recipient is cancelled.</summary>
    public int RouteSequence { get; set; }

    public required string Organisation { get; set; }

    public required string Person { get; set; }

    public ContactChannel Channel { get; set; }

    public NotificationState State { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public DateTimeOffset? LeaseUntil { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    /// <summary>When its acknowledgement link (or SMS code) was used: once only.</summary>
    public DateTimeOffset? LinkUsedAt { get; set; }

    /// <summary>The SMS gateway's id for the message, which its delivery report names.</summary>
    public string? GatewayId { get; set; }

    /// <summary>When the gateway reported the SMS delivered to the phone.</summary>
    public DateTimeOffset? DeliveredAt { get; set; }
}

/// <summary>A case's short code: six digits a person can read in an SMS and reply with. Not secret, not unique on its own.</summary>
public static class CaseCodes
{
    public static string Of(Guid caseId)
    {
        Span<byte> bytes = stackalloc byte[16];
        caseId.TryWriteBytes(bytes);
        return (System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes[12..]) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }
}
