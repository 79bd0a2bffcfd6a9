using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace RocRouting.Worker.Notifications;

public sealed class SmsOptions
{
    /// <summary>The gateway's API (46elks: https://api.46elks.com/a1/). No base URL: no SMS.</summary>
    public Uri? BaseUrl { get; set; }

    public string? Username { get; set; }

    /// <summary>A secret: read from a file or secret store in production.</summary>
    public string? Password { get; set; }

    /// <summary>The sender shown on the phone: up to 11 letters and digits, or a number.</summary>
    public string From { get; set; } = "RocRouting";

    /// <summary>Where the gateway posts delivery reports (with the inbound credentials in it); none: no reports asked for.</summary>
    public Uri? DeliveryReportUrl { get; set; }

    /// <summary>After a push about an urgent step went out, an SMS follows this much later unless the case was taken.</summary>
    public TimeSpan After { get; set; } = TimeSpan.FromMinutes(1);

    public bool Enabled => BaseUrl is not null;
}

/// <summary>The gateway answered: the message was refused (not sent), and whether trying again may help.</summary>
public sealed class SmsRefusedException(int status, bool transient) : Exception($"The SMS gateway answered HTTP {status}.")
{
    public int Status { get; } = status;

    public bool Transient { get; } = transient;
}

/// <summary>Sends one SMS. Returns the gateway's id; throws <see cref="SmsRefusedException"/> when it was certainly not sent.</summary>
public interface ISmsGateway
{
    Task<string> SendAsync(string number, string message, CancellationToken cancellationToken);
}

/// <summary>
/// 46elks (a Swedish SMS gateway): a form-encoded POST to {BaseUrl}sms with basic authentication,
/// answered with the message as JSON. Any other gateway with an HTTP API fits behind the same interface.
/// </summary>
public sealed class FortySixElksGateway(IHttpClientFactory httpClients, IOptions<SmsOptions> options) : ISmsGateway
{
    public const string HttpClientName = "sms";

    public async Task<string> SendAsync(string number, string message, CancellationToken cancellationToken)
    {
        var o = options.Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(o.BaseUrl!, "sms"))
        {
            Content = new FormUrlEncodedContent(
                o.DeliveryReportUrl is { } report
                    ? [new("from", o.From), new("to", number), new("message", message), new("whendelivered", report.ToString())]
                    : [new("from", o.From), new("to", number), new("message", message)]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{o.Username}:{o.Password}")));
        using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        var status = (int)response.StatusCode;
        if (!response.IsSuccessStatusCode)
        {
            throw new SmsRefusedException(status, transient: status is 429 or >= 500);
        }
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return json.RootElement.TryGetProperty("id", out var id) ? id.GetString() ?? "" : "";
    }
}
