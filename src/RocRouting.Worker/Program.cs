namespace RocRouting.Worker;

internal static class Program
{
    /// <summary>
    /// `migrate` applies migrations and deploys broker topology; `rotate-keys` re-encrypts personal
    /// data under the current key; both then exit. No verb runs the worker.
    /// </summary>
    public static async Task<int> Main(string[] args)
    {
        switch (args)
        {
            case ["migrate", ..]:
                return await WorkerApp.MigrateAsync(args[1..]);
            case ["rotate-keys", ..]:
                return await WorkerApp.RotateKeysAsync(args[1..]);
        }

        var builder = Host.CreateApplicationBuilder(args);
        builder.AddRocWorker();
        await builder.Build().RunAsync();
        return 0;
    }
}
