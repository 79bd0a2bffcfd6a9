using System.Reflection;
using Mono.Cecil;
using Mono.Cecil.Cil;
using RocRouting.Cases;
using RocRouting.Contracts;
using RocRouting.Data;
using RocRouting.Hosting;
using RocRouting.Routing;
using RocRouting.Worker;

namespace RocRouting.Architecture.Tests;

/// <summary>The service's projects, lowest first.</summary>
public static class Projects
{
    public static readonly Assembly Contracts = typeof(CaseSubmitted).Assembly;
    public static readonly Assembly Routing = typeof(RoutingPolicy).Assembly;
    public static readonly Assembly Cases = typeof(CaseLifecycle).Assembly;
    public static readonly Assembly Data = typeof(RocDbContext).Assembly;
    public static readonly Assembly Hosting = typeof(BusExtensions).Assembly;
    public static readonly Assembly Api = typeof(Program).Assembly;
    public static readonly Assembly Worker = typeof(WorkerApp).Assembly;

    public static readonly Assembly[] All = [Contracts, Routing, Cases, Data, Hosting, Api, Worker];
}

/// <summary>The layers of the projects, and the checks the rules run over their compiled code.</summary>
public static class Architecture
{
    /// <summary>Each project's layer: a project may reference only projects of a lower layer.</summary>
    public static readonly IReadOnlyDictionary<string, int> Layers = new Dictionary<string, int>
    {
        [Projects.Contracts.GetName().Name!] = 0,
        [Projects.Routing.GetName().Name!] = 1,
        [Projects.Cases.GetName().Name!] = 2,
        [Projects.Data.GetName().Name!] = 3,
        [Projects.Hosting.GetName().Name!] = 4,
        [Projects.Api.GetName().Name!] = 5,
        [Projects.Worker.GetName().Name!] = 5,
    };

    /// <summary>Namespaces whose use means I/O: a database, a broker, the network, files, a host.</summary>
    public static readonly string[] IoNamespaces =
    [
        "Microsoft.EntityFrameworkCore", "Npgsql", "MassTransit", "RabbitMQ", "Polly", "System.Net.Http", "System.Net.Sockets",
        "Microsoft.AspNetCore", "Microsoft.Extensions.Hosting", "System.Data.Common", "System.IO.File", "System.IO.Directory",
    ];

    /// <summary>References from <paramref name="references"/> (assembly to the assemblies it references) that point to the same or a higher layer.</summary>
    public static IEnumerable<string> UpwardReferences(IEnumerable<(string Assembly, string Reference)> references) =>
        from r in references
        where Layers.ContainsKey(r.Assembly) && Layers.TryGetValue(r.Reference, out var layer) && layer >= Layers[r.Assembly]
        select $"{r.Assembly} -> {r.Reference}";

    public static IEnumerable<(string Assembly, string Reference)> ReferencesOf(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Select(r => (assembly.GetName().Name!, r.Name!));

    /// <summary>The properties of a case that only the lifecycle may set.</summary>
    private static readonly HashSet<string> LifecycleSetters =
        [.. typeof(ChildCase).GetProperties().Where(p => p.SetMethod is { IsPublic: false }).Select(p => p.SetMethod!.Name)];

    /// <summary>Rows only a transition writes: a timeline event, a route, an acknowledgement, a deadline, an inbox item.</summary>
    private static readonly HashSet<string> LifecycleRows =
        [.. new[] { typeof(CaseEvent), typeof(CaseRoute), typeof(Acknowledgement), typeof(Deadline), typeof(InboxItem) }.Select(t => t.FullName!)];

    /// <summary>The types whose Enqueue puts a message in the outbox (a queue's Enqueue is not one).</summary>
    private static readonly HashSet<string> OutboxWriters = [typeof(ICaseUnitOfWork).FullName!, typeof(RocRouting.Data.RocDbContext).FullName!];

    /// <summary>
    /// Places in <paramref name="assembly"/> (within <paramref name="inNamespace"/> when given) that change a
    /// case outside the lifecycle: set a lifecycle property, create a row only a transition writes, or put a
    /// message in the outbox.
    /// </summary>
    public static IEnumerable<string> LifecycleBypasses(Assembly assembly, string? inNamespace = null) =>
        Calls(assembly, inNamespace).Where(c =>
            (c.Code is Code.Call or Code.Callvirt && c.Callee.DeclaringType.FullName == typeof(ChildCase).FullName && LifecycleSetters.Contains(c.Callee.Name))
            || (c.Code == Code.Newobj && LifecycleRows.Contains(c.Callee.DeclaringType.FullName))
            || (c.Code is Code.Call or Code.Callvirt && c.Callee.Name == nameof(ICaseUnitOfWork.Enqueue) && OutboxWriters.Contains(c.Callee.DeclaringType.FullName)))
        .Select(c => $"{c.Caller} -> {c.Callee.DeclaringType.Name}.{c.Callee.Name}");

    /// <summary>Places in <paramref name="assembly"/> that run SQL written by hand (EF Core's raw SQL APIs, or Npgsql commands).</summary>
    public static IEnumerable<string> RawSql(Assembly assembly, string? inNamespace = null) =>
        Calls(assembly, inNamespace).Where(c =>
            (c.Callee.DeclaringType.Namespace.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal)
                && (c.Callee.Name.StartsWith("FromSql", StringComparison.Ordinal) || c.Callee.Name.StartsWith("ExecuteSql", StringComparison.Ordinal)
                    || c.Callee.Name.StartsWith("SqlQuery", StringComparison.Ordinal)))
            || (c.Callee.DeclaringType.Namespace.StartsWith("Npgsql", StringComparison.Ordinal)
                && (c.Callee.Name == "CreateCommand" || (c.Code == Code.Newobj && c.Callee.DeclaringType.Name == "NpgsqlCommand"))))
        .Select(c => $"{c.Caller} -> {c.Callee.DeclaringType.Name}.{c.Callee.Name}");

    private sealed record CallSite(string Caller, Code Code, MethodReference Callee);

    private static List<CallSite> Calls(Assembly assembly, string? inNamespace)
    {
        using var module = ModuleDefinition.ReadModule(assembly.Location);
        var sites = new List<CallSite>();
        foreach (var type in module.GetTypes())
        {
            if (inNamespace is not null && !Outermost(type).Namespace.StartsWith(inNamespace, StringComparison.Ordinal))
            {
                continue;
            }
            foreach (var method in type.Methods.Where(m => m.HasBody))
            {
                sites.AddRange(method.Body.Instructions
                    .Where(i => i.Operand is MethodReference)
                    .Select(i => new CallSite($"{Outermost(type).FullName}.{method.Name}", i.OpCode.Code, (MethodReference)i.Operand)));
            }
        }
        return sites;
    }

    /// <summary>Compiler-made types (lambdas, async state machines) count as the type they were written in.</summary>
    private static TypeDefinition Outermost(TypeDefinition type) => type.DeclaringType is { } outer ? Outermost(outer) : type;
}
