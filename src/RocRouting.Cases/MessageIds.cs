using System.Security.Cryptography;
using System.Text;

namespace RocRouting.Cases;

/// <summary>
/// Deterministic message ids (RFC 9562 version 5 style, SHA-1 name based): the same case and event
/// always give the same id, so a retried transaction cannot put a second copy on the bus.
/// </summary>
public static class MessageIds
{
    private static readonly byte[] Namespace = Guid.Parse("6f1f3b9e-7a57-4c39-9c62-8d7f0f6a2b10").ToByteArray(bigEndian: true);

    public static Guid For(Guid caseId, string eventName, int sequence = 0)
    {
        var name = Encoding.UTF8.GetBytes($"{caseId:N}/{eventName}/{sequence}");
        var input = new byte[Namespace.Length + name.Length];
        Namespace.CopyTo(input, 0);
        name.CopyTo(input, Namespace.Length);
#pragma warning disable CA5350 // SHA-1 is what RFC 9562 specifies for name-based ids; this is not a security use.
        var hash = SHA1.HashData(input);
#pragma warning restore CA5350
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
