using RocRouting.Data;
using RocRouting.Hosting;

namespace RocRouting.Api.Notifications;

/// <summary>Reaching people, the API's part: contact points, and acknowledgements from the phone.</summary>
public static class NotificationsExtensions
{
    public static IHostApplicationBuilder AddNotifications(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PushOptions>().BindConfiguration(PushOptions.Section);
        builder.Services.AddOptions<SmsReplyOptions>().BindConfiguration("Notifications:Sms");
        // A handover plans whom the new route must reach in its own transaction; the worker's sender finds them within its poll.
        builder.Services.AddNotificationPlanning();
        return builder;
    }

    public static IEndpointRouteBuilder MapNotificationsApi(this IEndpointRouteBuilder routes) =>
        routes.MapPushSubscriptionsApi().MapPushReceiptsApi().MapMobileNumberApi().MapSmsRepliesApi();
}
