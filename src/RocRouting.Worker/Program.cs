namespace RocRouting.Worker;

internal static class Program
{
    /// <summary>`RocRouting.Worker migrate` applies migrations and deploys broker topology, then exits; no verb runs the worker.</summary>
    public static async Task<int> Main(string[] args)
    {
        if (args is ["migrate", ..])
        {
            return await WorkerApp.MigrateAsync(args[1..]);
        }

        var builder = Host.CreateApplicationBuilder(args);
        builder.AddRocWorker();
        await builder.Build().RunAsync();
        return 0;
    }
}
