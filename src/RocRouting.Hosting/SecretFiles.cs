using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace RocRouting.Hosting;

/// <summary>
/// Secrets as files: each directory listed under <c>Secrets:Directories</c> (a compose secret or
/// Kubernetes secret volume) holds one file per setting, named as the environment variable would be
/// (<c>ConnectionStrings__Postgres</c>, <c>PersonalData__EncryptionKeys__k1</c>). A file wins over
/// an environment variable of the same name, and a later directory over an earlier one, so the
/// migrate step can lay its owner's connection over the service's. Keys then never sit in a
/// process's environment, where a crash dump or <c>/proc/*/environ</c> would show them.
/// </summary>
public static class SecretFiles
{
    public const string Section = "Secrets:Directories";

    public static IHostApplicationBuilder AddRocSecretFiles(this IHostApplicationBuilder builder)
    {
        foreach (var directory in builder.Configuration.GetSection(Section).Get<string[]>() ?? [])
        {
            if (!Directory.Exists(directory))
            {
                // A missing mount is a deployment fault: starting without the keys would fail later and less clearly.
                throw new InvalidOperationException($"{Section} names '{directory}', which is not a directory.");
            }
            builder.Configuration.AddKeyPerFile(directory, optional: false, reloadOnChange: false);
        }
        return builder;
    }
}
