using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Lib.Net.Http.WebPush.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Data.Privacy;
using RocRouting.Hosting;
using RocRouting.Routing;

namespace RocRouting.Worker.Notifications;

public sealed class NotificationOptions
{
    /// <summary>How often due notifications are looked for when nothing woke the sender.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Rounds start at most this often unless the last was full: a lone case's alert goes out at once,
    /// and in a busy hour one round (a few statements) takes several cases' alerts instead of one each.
    /// </summary>
    public TimeSpan RoundSpacing { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A worker holds a notification this long; if it dies, another takes over after it.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Messages in flight at once in a round (pushes and SMS): each waits a round trip for its push
    /// service or the SMS gateway, so one after another a busy hour's (or a backlog's) alerts fall
    /// behind the cases they are about.
    /// </summary>
    public int SendConcurrency { get; set; } = 16;

    /// <summary>Attempts before a notification is failed (and operators see it).</summary>
    public int MaxAttempts { get; set; } = 5;

    public TimeSpan FirstRetry { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRetry { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the acknowledgement link in a notification works.</summary>
    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// What a person's phone or browser receives: ids, codes and times, never personal data. The
/// console's service worker turns it into Swedish text and a link to the case.
/// </summary>
public sealed record PushPayload(
    string Type, string Step, Guid CaseId, string Urgency, string Category, string Organisation, DateTimeOffset? AcknowledgeBy, string Url, string? AcknowledgeUrl, string Receipt);

/// <summary>
/// Sends planned notifications: leases due ones, cancels those whose case was taken or moved on
/// meanwhile, and reaches the person on the notification's channel.
/// <para>Push: to every browser the person registered (RFC 8030 with RFC 8291 encryption and RFC
/// 8292 VAPID, <see cref="WebPushTarget"/>). A push service answering 404 or 410 has forgotten the
/// subscription: it is removed. The topic is the case, so a push service replaces an undelivered
/// alert about the same case with the newer one, and a retry after a crash shows once. When no
/// browser is reached the step falls through to SMS at once; when one is, an urgent step is
/// followed by an SMS after <see cref="SmsOptions.After"/> unless the case is taken by then or a
/// browser sent back the push's receipt (the console's service worker does, once it showed the alert).</para>
/// <para>SMS: at most once per case, step and person. The row is marked sending before the gateway
/// is asked; a gateway's refusal (an HTTP answer) may be retried, but an unknown outcome (a timeout,
/// a worker that died mid-request) is never repeated: operators see it instead.</para>
/// </summary>
public sealed partial class NotificationSender(
    IServiceScopeFactory scopes,
    IHttpClientFactory httpClients,
    PersonalDataProtector protector,
    AcknowledgementLinks links,
    NotificationSignal signal,
    ISmsGateway sms,
    RoutingConfiguration config,
    TimeProvider time,
    IOptions<NotificationOptions> options,
    IOptions<PushOptions> push,
    IOptions<SmsOptions> smsOptions,
    IOptions<DeliveryOptions> delivery,
    RocMetrics metrics,
    ILogger<NotificationSender> logger) : BackgroundService
{
    public const string HttpClientName = "push";

    /// <summary>Notifications leased per round.</summary>
    private const int BatchSize = 16;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private long _lastSweep;
    private long _lastLease;
    private bool _leaseAgain;
    private VapidAuthentication? _vapid;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        signal.SenderStarted();
        try
        {
            await SendUntilStoppedAsync(stoppingToken);
        }
        finally
        {
            // Whatever is still in hand stays leased: any sender takes it once the lease ends.
            signal.SenderStopped();
        }
    }

    private async Task SendUntilStoppedAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            var sent = 0;
            try
            {
                sent = await RoundAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogRoundFailed(logger, e);
            }
            // A round that was not full took everything due; what comes due later wakes the sender
            // (a plan, a hand-over, or a follow-up SMS due now) or is found by the poll.
            if (sent < BatchSize)
            {
                await signal.WaitForRoundAsync(started, stoppingToken);
            }
        }
    }

    internal async Task<int> RoundAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // What this process's routing writer handed over at commit is leased to this sender already.
        // The rest is leased when a wake-up asks for it (a plan the sender was not handed, a follow-up
        // SMS due now), after a full lease (a backlog), and once a poll interval (retries falling due,
        // other processes' plans), however often hand-overs wake the sender.
        var handedOver = signal.TakeHandedOff(BatchSize, now);
        var lease = handedOver.Count < BatchSize
            && (_leaseAgain | signal.TakeLeaseRequest() | Stopwatch.GetElapsedTime(_lastLease) >= options.Value.PollInterval);
        if (!lease && handedOver.Count == 0)
        {
            return 0;
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RocDbContext>();
        // An SMS whose worker died while the gateway had it may have gone out: it is not sent again.
        // Looked for a few times a lease, not every round: at moderate rates a round runs per case.
        if (_lastSweep == 0 || Stopwatch.GetElapsedTime(_lastSweep) >= options.Value.Lease / 6)
        {
            await db.Notifications.Where(n => n.State == NotificationState.Sending && n.LeaseUntil < now).ExecuteUpdateAsync(
                u => u.SetProperty(n => n.State, NotificationState.Failed).SetProperty(n => n.LastError, "the worker stopped while the SMS gateway had it; not repeated"),
                cancellationToken);
            _lastSweep = Stopwatch.GetTimestamp();
        }
        var due = handedOver;
        var fromMemory = handedOver.Count;
        if (lease)
        {
            _lastLease = Stopwatch.GetTimestamp();
            var leased = await db.LeaseDueNotificationsAsync(now, now + options.Value.Lease, BatchSize - fromMemory, cancellationToken);
            _leaseAgain = leased.Count == BatchSize - fromMemory;
            due.AddRange(leased);
        }
        if (due.Count == 0)
        {
            return 0;
        }
        // The round's cases and browsers in one query each, not one per notification: a backlog (a
        // restarted worker, a busy hour) is sent in a few statements per round. A case taken while the
        // round runs may still get this round's alert; the next step sees it taken.
        var caseIds = due.Select(n => n.CaseId).Distinct().ToArray();
        var cases = await db.CasesByIdAsync(caseIds, cancellationToken);
        var pushPeople = due.Where(n => n.Channel == ContactChannel.Push).Select(n => n.Person).Distinct().ToArray();
        var browsers = (pushPeople.Length == 0 ? [] : await db.ContactPointsOfAsync(pushPeople, ContactChannel.Push, cancellationToken))
            .ToLookup(c => c.Person, StringComparer.Ordinal);
        // Outcomes are recorded together once the round is through: one statement instead of one per
        // notification. A worker dying mid-round leaves its sent pushes leased, and they go again under
        // the same topic (a push service replaces an undelivered one); an SMS was marked sending before
        // the gateway had it and is never repeated (the sweep above).
        var outcomes = new List<(int Index, Outcome Outcome)>(due.Count);
        var pushes = new List<PushJob>();
        var texts = new List<(int Index, Notification Notification, ChildCase Case)>();
        var followUps = new List<Notification>();
        using var opened = new RoundBrowsers(protector);
        for (var i = 0; i < due.Count; i++)
        {
            var notification = due[i];
            if (cases.GetValueOrDefault(notification.CaseId) is not { } @case)
            {
                outcomes.Add((i, new Outcome(NotificationState.Cancelled, "the case is gone")));
            }
            // Stop the moment the case is taken, closed, or with someone else than this step was about (the
            // case row carries its current route's sequence, written with the route).
            else if (@case.AcknowledgedAt is not null || @case.ClosedAt is not null || @case.RouteSequence != notification.RouteSequence)
            {
                outcomes.Add((i, new Outcome(NotificationState.Cancelled)));
            }
            else if (notification.Channel == ContactChannel.Sms)
            {
                texts.Add((i, notification, @case));
            }
            else if (!browsers.Contains(notification.Person))
            {
                followUps.Add(FollowBySms(notification, time.GetUtcNow()));
                outcomes.Add((i, new Outcome(NotificationState.Failed, "the person has no push subscription")));
            }
            else
            {
                pushes.Add(PreparePush(i, notification, @case, browsers[notification.Person], opened));
            }
        }
        var claimed = await PrepareSmsAsync(db, texts, outcomes, cancellationToken);
        await SendAsync(pushes, claimed, cancellationToken);
        foreach (var job in pushes)
        {
            outcomes.Add((job.Index, await PushOutcomeAsync(db, job, followUps)));
        }
        outcomes.AddRange(claimed.Select(job => (job.Index, job.Outcome)));
        // The follow-up SMS of the round's pushes, planned together (once: a second plan is no plan).
        if (smsOptions.Value.Enabled && await db.PlanNotificationsAsync(followUps, cancellationToken) > 0 && followUps.Any(f => f.NextAttemptAt <= time.GetUtcNow()))
        {
            signal.Wake();
        }
        var records = new List<(Notification Notification, NotificationRecord Record)>(outcomes.Count);
        foreach (var (i, outcome) in outcomes)
        {
            if (Record(due[i], outcome) is { } record)
            {
                records.Add((due[i], record));
                metrics.Notifications.Add(
                    1, new("channel", Wire.Name(due[i].Channel)), new("state", Wire.Name(record.State)), new("source", i < fromMemory ? "handed-over" : "leased"));
            }
        }
        if (records.Count > 0)
        {
            await db.RecordNotificationsAsync([.. records.Select(r => r.Record)], CancellationToken.None);
        }
        foreach (var (notification, record) in records.Where(r => r.Record.State == NotificationState.Failed))
        {
            LogFailed(logger, notification.Id, notification.CaseId, notification.Organisation, record.LastError);
        }
        return due.Count;
    }

    private sealed record Outcome(NotificationState State, string? Error = null, string? GatewayId = null);

    /// <summary>A push about to go to the browsers of one person: what each browser's push service answered.</summary>
    private sealed record PushJob(int Index, Notification Notification, AlertDelivery Alert, WebPushMessage Message, PushBrowser[] Browsers);

    /// <summary>A browser of the person; no target when its stored subscription cannot be used (the error says why).</summary>
    private sealed record PushBrowser(ContactPoint Contact, WebPushTarget? Target)
    {
        public PushResult Result { get; set; }

        public string? Error { get; set; }
    }

    private enum PushResult { Failed, Delivered, Gone }

    private PushJob PreparePush(int index, Notification notification, ChildCase @case, IEnumerable<ContactPoint> contacts, RoundBrowsers opened)
    {
        var alert = NotificationPolicy.DeliveryFor(NotificationPolicy.StepOf(notification.Step), @case.Urgency);
        var payload = JsonSerializer.SerializeToUtf8Bytes(new PushPayload(
            "case", notification.Step, @case.Id, Wire.Name(@case.Urgency), Wire.Name(@case.Category), notification.Organisation,
            @case.AcknowledgeBy, $"/cases/{@case.Id}", AcknowledgeLink(notification, @case)?.PathAndQuery,
            links.CreateReceipt(notification.Id, time.GetUtcNow() + alert.TimeToLive)), Json);
        var message = new WebPushMessage(payload, @case.Id.ToString("N"), alert.PushUrgency == "high", (int)alert.TimeToLive.TotalSeconds);
        return new PushJob(index, notification, alert, message, [.. contacts.Select(opened.Open)]);
    }

    /// <summary>
    /// The browsers a round pushes to, each opened (its subscription unsealed, its key imported and
    /// checked) once however many alerts it gets; their keys are freed with the round.
    /// </summary>
    private sealed class RoundBrowsers(PersonalDataProtector protector) : IDisposable
    {
        private readonly Dictionary<Guid, (WebPushTarget? Target, string? Error)> _opened = [];

        public PushBrowser Open(ContactPoint contact)
        {
            if (!_opened.TryGetValue(contact.Id, out var browser))
            {
                var stored = JsonSerializer.Deserialize<SealedPushSubscription>(protector.Open(contact.SealedValue, contact.Id, PersonalField.PushSubscription), Json)!;
                try
                {
                    browser = (WebPushTarget.Open(stored.Endpoint, stored.Keys.P256dh, stored.Keys.Auth), null);
                }
                catch (Exception e) when (e is CryptographicException or FormatException)
                {
                    // Registration checks the key's length, not that it is a point of the curve.
                    browser = (null, $"push service {contact.Service}: the subscription's key is not a P-256 public key");
                }
                _opened[contact.Id] = browser;
            }
            return new PushBrowser(contact, browser.Target) { Error = browser.Error };
        }

        public void Dispose()
        {
            foreach (var (target, _) in _opened.Values)
            {
                target?.Dispose();
            }
        }
    }

    /// <summary>An SMS about to go to a person's mobile number, marked sending.</summary>
    private sealed record SmsJob(int Index, Notification Notification, string Number, string Text)
    {
        public Outcome Outcome { get; set; } = new(NotificationState.Sending);
    }

    /// <summary>
    /// The round's pushes and SMS, side by side: a push service's or the gateway's answer is a round
    /// trip, not work for this process.
    /// </summary>
    private async Task SendAsync(List<PushJob> pushes, List<SmsJob> texts, CancellationToken cancellationToken)
    {
        var deliveries = pushes.SelectMany(job => job.Browsers.Select(browser => (job, browser))).ToArray();
        if (deliveries.Length == 0 && texts.Count == 0)
        {
            return;
        }
        var sends = new List<Func<CancellationToken, Task>>(deliveries.Length + texts.Count);
        if (deliveries.Length > 0)
        {
            var vapid = _vapid ??= new VapidAuthentication(push.Value.VapidPublicKey, push.Value.VapidPrivateKey)
            {
                Subject = push.Value.VapidSubject,
                TokenCache = new VapidTokens(time),
            };
            // A token is signed when the cache has none. Signing here first, once per push service, keeps the
            // deliveries below from signing with one key side by side.
            foreach (var audience in deliveries.Select(d => d.browser.Target?.Audience).OfType<string>().Distinct())
            {
                vapid.GetVapidSchemeAuthenticationHeaderValueParameter(audience);
            }
            var client = httpClients.CreateClient(HttpClientName);
            sends.AddRange(deliveries.Select(d => (Func<CancellationToken, Task>)(token => PushToAsync(client, vapid, d.job, d.browser, token))));
        }
        sends.AddRange(texts.Select(job => (Func<CancellationToken, Task>)(token => TextAsync(job, token))));
        await Parallel.ForEachAsync(
            sends,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Value.SendConcurrency), CancellationToken = cancellationToken },
            async (send, token) => await send(token));
    }

    /// <summary>
    /// One message to one browser. A push service's refusal (429 included) is an error like any other: the
    /// notification is tried again with the service's backoff, not waited for inside the round.
    /// </summary>
    private static async Task PushToAsync(HttpClient client, VapidAuthentication vapid, PushJob job, PushBrowser browser, CancellationToken cancellationToken)
    {
        if (browser.Target is not { } target)
        {
            return;
        }
        try
        {
            using var request = target.Request(job.Message, vapid);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (WebPushTarget.Delivered(response.StatusCode))
            {
                browser.Result = PushResult.Delivered;
            }
            else if (WebPushTarget.Gone(response.StatusCode))
            {
                browser.Result = PushResult.Gone;
                browser.Error = $"push service {browser.Contact.Service}: HTTP {(int)response.StatusCode}, subscription removed";
            }
            else
            {
                browser.Error = $"push service {browser.Contact.Service}: HTTP {(int)response.StatusCode}";
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            browser.Error = $"push service {browser.Contact.Service}: {e.GetType().Name}";
        }
    }

    private async Task<Outcome> PushOutcomeAsync(RocDbContext db, PushJob job, List<Notification> followUps)
    {
        foreach (var gone in job.Browsers.Where(b => b.Result == PushResult.Gone))
        {
            await db.ContactPoints.Where(c => c.Id == gone.Contact.Id).ExecuteDeleteAsync(CancellationToken.None);
            LogSubscriptionGone(logger, gone.Contact.Service);
        }
        var now = time.GetUtcNow();
        if (!job.Browsers.Any(b => b.Result == PushResult.Delivered))
        {
            // Nobody's browser took it: the SMS goes now, while push keeps trying.
            followUps.Add(FollowBySms(job.Notification, now));
            return new Outcome(NotificationState.Pending, job.Browsers.Select(b => b.Error).LastOrDefault(e => e is not null));
        }
        if (job.Alert.PushUrgency == "high")
        {
            followUps.Add(FollowBySms(job.Notification, now + smsOptions.Value.After));
        }
        return new Outcome(NotificationState.Sent);
    }

    /// <summary>
    /// VAPID tokens by push service, reused until an hour before they expire: a token signed per push cost
    /// more CPU than its encryption.
    /// </summary>
    private sealed class VapidTokens(TimeProvider time) : IVapidTokenCache
    {
        private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Until)> _tokens = new(StringComparer.Ordinal);

        public string? Get(string audience) => _tokens.TryGetValue(audience, out var t) && t.Until > time.GetUtcNow() ? t.Token : null;

        public void Put(string audience, DateTimeOffset expiration, string token) => _tokens[audience] = (token, expiration - TimeSpan.FromHours(1));
    }

    public override void Dispose()
    {
        _vapid?.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// The link that acknowledges the case from the phone, for the people of the organisation that has
    /// it (an operator's alert has none: operators do not take cases).
    /// </summary>
    private Uri? AcknowledgeLink(Notification notification, ChildCase @case) =>
        notification.Organisation == @case.Recipient?.ToString()
            ? new Uri(delivery.Value.PublicBaseUrl, $"/a/{links.Create(notification.Id, time.GetUtcNow() + options.Value.LinkLifetime)}")
            : null;

    /// <summary>The same step by SMS, due at <paramref name="at"/>.</summary>
    private Notification FollowBySms(Notification notification, DateTimeOffset at) =>
        Notification.Plan(
            notification.CaseId, notification.Step, notification.RouteSequence, notification.Organisation, notification.Person,
            ContactChannel.Sms, at, time.GetUtcNow());

    /// <summary>
    /// The round's SMS, unless the person's browser showed the step's push or they gave no number: each
    /// marked sending (one statement for the round) before the gateway is asked.
    /// </summary>
    private async Task<List<SmsJob>> PrepareSmsAsync(
        RocDbContext db, List<(int Index, Notification Notification, ChildCase Case)> texts, List<(int Index, Outcome Outcome)> outcomes, CancellationToken cancellationToken)
    {
        if (texts.Count == 0)
        {
            return [];
        }
        if (!smsOptions.Value.Enabled)
        {
            outcomes.AddRange(texts.Select(t => (t.Index, new Outcome(NotificationState.Failed, "SMS is not configured"))));
            return [];
        }
        var shown = await db.PushesShownAsync([.. texts.Select(t => t.Notification.CaseId).Distinct()], cancellationToken);
        var numbers = (await db.ContactPointsOfAsync([.. texts.Select(t => t.Notification.Person).Distinct()], ContactChannel.Sms, cancellationToken))
            .ToLookup(c => c.Person, StringComparer.Ordinal);
        var ready = new List<SmsJob>(texts.Count);
        foreach (var (index, notification, @case) in texts)
        {
            if (shown.Contains((notification.CaseId, notification.Step, notification.Person)))
            {
                outcomes.Add((index, new Outcome(NotificationState.Cancelled, "the person's browser showed the push (receipt): no SMS")));
            }
            else if (numbers[notification.Person].FirstOrDefault() is not { } contact)
            {
                outcomes.Add((index, new Outcome(NotificationState.Failed, "the person has no mobile number")));
            }
            else
            {
                var text = SmsText.For(
                    NotificationPolicy.StepOf(notification.Step), @case.Urgency, config.NameOf(@case.Recipient!),
                    @case.AcknowledgeBy is { } by ? config.DefaultCalendar.LocalClock(by) : null, CaseCodes.Of(@case.Id),
                    AcknowledgeLink(notification, @case) ?? new Uri(delivery.Value.PublicBaseUrl, $"/cases/{@case.Id}"));
                ready.Add(new SmsJob(index, notification, protector.Open(contact.SealedValue, contact.Id, PersonalField.MobileNumber), text));
            }
        }
        if (ready.Count == 0)
        {
            return ready;
        }
        // No longer pending: whoever changed it records the outcome, not this round.
        var claimed = await db.ClaimForSmsAsync([.. ready.Select(r => r.Notification.Id)], CancellationToken.None);
        return [.. ready.Where(r => claimed.Contains(r.Notification.Id))];
    }

    private async Task TextAsync(SmsJob job, CancellationToken cancellationToken)
    {
        try
        {
            job.Outcome = new Outcome(NotificationState.Sent, GatewayId: await sms.SendAsync(job.Number, job.Text, cancellationToken));
        }
        catch (SmsRefusedException e)
        {
            job.Outcome = new Outcome(e.Transient ? NotificationState.Pending : NotificationState.Failed, $"SMS gateway: HTTP {e.Status}");
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            job.Outcome = new Outcome(NotificationState.Failed, $"SMS gateway: {e.GetType().Name}; the outcome is unknown, so it is not repeated");
        }
    }

    /// <summary>What to record of an outcome: nothing while another round has the SMS.</summary>
    private NotificationRecord? Record(Notification notification, Outcome outcome)
    {
        if (outcome.State == NotificationState.Sending)
        {
            return null;
        }
        var now = time.GetUtcNow();
        var state = outcome.State == NotificationState.Pending && notification.Attempts >= options.Value.MaxAttempts ? NotificationState.Failed : outcome.State;
        var next = state == NotificationState.Pending
            ? now + Backoff.Exponential(notification.Attempts, options.Value.FirstRetry, options.Value.MaxRetry)
            : notification.NextAttemptAt;
        return new NotificationRecord(notification.Id, state, outcome.Error, next, outcome.GatewayId, state == NotificationState.Sent ? now : null);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Notification round failed")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "A push subscription at {Service} is gone; removed")]
    private static partial void LogSubscriptionGone(ILogger logger, string service);

    [LoggerMessage(Level = LogLevel.Critical, Message = "OPERATOR ALERT: notification {NotificationId} about case {CaseId} to a person of {Organisation} could not be sent: {Error}")]
    private static partial void LogFailed(ILogger logger, Guid notificationId, Guid caseId, string organisation, string? error);
}
