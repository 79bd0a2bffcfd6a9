using RocRouting.Contracts;

namespace RocRouting.Cases;

public sealed class WebhookSettings
{
    /// <summary>"home-municipality:0138" or "social-emergency-service:stockholm".</summary>
    public string Recipient { get; set; } = "";

    public Uri? Url { get; set; }

    /// <summary>The shared secret for the HMAC-SHA256 signature.</summary>
    public string Secret { get; set; } = "";
}

public sealed class DeliveryOptions
{
    public List<WebhookSettings> Webhooks { get; set; } = [];

    /// <summary>Attempts on the durable schedule before a delivery is marked failed and operators are alerted.</summary>
    public int MaxAttempts { get; set; } = 10;

    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Per-attempt HTTP timeout.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>In-process retries for transient failures before the durable schedule takes over.</summary>
    public int ImmediateRetries { get; set; } = 3;

    public TimeSpan ImmediateRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a worker holds a claimed delivery before another may take it over.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>What is wrong with the webhooks as configured (by recipient, never the secret itself).</summary>
    public IReadOnlyList<string> Problems() =>
        [.. Webhooks.Where(w => w.Url is null || w.Secret.Length < MinSecretLength)
            .Select(w => $"{w.Recipient}: {(w.Url is null ? "no URL" : "a secret shorter than " + MinSecretLength + " characters")}")];

    /// <summary>An empty or short secret would let anyone sign notifications a receiver trusts.</summary>
    public const int MinSecretLength = 16;

    /// <summary>The public base address of the API, for the "url" field of notifications.</summary>
    public Uri PublicBaseUrl { get; set; } = new("http://127.0.0.1:8080");
}

/// <summary>Which recipients take webhooks, and where.</summary>
public sealed class WebhookDirectory(DeliveryOptions options)
{
    private readonly Dictionary<string, WebhookSettings> _byRecipient =
        options.Webhooks.Where(w => w.Url is not null).ToDictionary(w => w.Recipient, StringComparer.Ordinal);

    public WebhookSettings? For(string recipient) => _byRecipient.GetValueOrDefault(recipient);

    public bool HasWebhook(Recipient recipient) => _byRecipient.ContainsKey(recipient.ToString());
}
