namespace RocRouting.Hosting;

/// <summary>
/// Web Push (section Notifications:Push): the VAPID identity the service signs with (RFC 8292), and
/// the push services a subscription may point at, so that registering a subscription can never make
/// the service send requests to an arbitrary host.
/// </summary>
public sealed class PushOptions
{
    public const string Section = "Notifications:Push";

    /// <summary>The major browsers' push services: used when <see cref="AllowedServices"/> is empty.</summary>
    public static readonly IReadOnlyList<string> BrowserServices =
        ["fcm.googleapis.com", "updates.push.services.mozilla.com", "*.notify.windows.com", "web.push.apple.com", "*.push.apple.com"];

    /// <summary>A contact address for the push services' operators ("mailto:..." or an https URL).</summary>
    public string? VapidSubject { get; set; }

    /// <summary>The uncompressed P-256 public key, base64url (what a browser's applicationServerKey is).</summary>
    public string? VapidPublicKey { get; set; }

    /// <summary>The P-256 private key, base64url (the worker signs with it; a secret).</summary>
    public string? VapidPrivateKey { get; set; }

    /// <summary>Hosts of push services, exact or "*.suffix". Empty: <see cref="BrowserServices"/>.</summary>
    public List<string> AllowedServices { get; set; } = [];

    /// <summary>How long a push service keeps an undelivered notification: an alert about an immediate case is stale after its window.</summary>
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>HTTPS to an allowed push service; in Development also plain HTTP on loopback, where a local receiver stands in.</summary>
    public bool Allows(Uri endpoint, bool development)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (development && endpoint.Scheme == Uri.UriSchemeHttp && endpoint.IsLoopback)
        {
            return true;
        }
        if (endpoint.Scheme != Uri.UriSchemeHttps || !endpoint.IsDefaultPort && endpoint.Port != 443)
        {
            return false;
        }
        var host = endpoint.IdnHost;
        return (AllowedServices.Count > 0 ? AllowedServices : BrowserServices).Any(allowed => allowed.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(allowed[1..], StringComparison.OrdinalIgnoreCase)
            : string.Equals(host, allowed, StringComparison.OrdinalIgnoreCase));
    }
}
