namespace RocRouting.Worker;

internal static class Program
{
    /// <summary>
    /// `migrate` applies migrations and deploys broker topology; `rotate-keys` re-encrypts personal
    /// data under the current key; `keygen DIR [--realm-template FILE]` makes the compose stack's
    /// secrets where they are missing; each then exits. No verb runs the worker.
    /// </summary>
    public static async Task<int> Main(string[] args)
    {
        switch (args)
        {
            case ["migrate", ..]:
                return await WorkerApp.MigrateAsync(args[1..]);
            case ["rotate-keys", ..]:
                return await WorkerApp.RotateKeysAsync(args[1..]);
            case ["keygen", var directory]:
                return Keygen.Run(directory, realmTemplate: null);
            case ["keygen", var directory, "--realm-template", var template]:
                return Keygen.Run(directory, template);
        }

        var builder = Host.CreateApplicationBuilder(args);
        builder.AddRocWorker();
        await builder.Build().RunAsync();
        return 0;
    }
}
