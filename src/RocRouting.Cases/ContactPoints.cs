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
