using System.CommandLine;
using System.Text.Json;
using ContainerForensics.Cli.Hosting;
using ContainerForensics.Core;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Collection.Nesting;
using ContainerForensics.Core.Runtimes;
using Serilog;

namespace ContainerForensics.Cli.Commands;

/// <summary><c>cfir list</c>: the runtimes found and their containers, i.e. what collect would take.</summary>
internal static class ListCommand
{
    internal sealed record Settings(IReadOnlyList<string> Runtimes, IReadOnlyDictionary<string, IReadOnlyList<string>> ProviderOptions, int TimeoutSeconds, bool Json)
    {
        public int NestedDepth { get; init; } = DiscoveryRequest.DefaultNestedDepth;

        /// <summary>--root: list a disk image's containers instead of the live engines'.</summary>
        public string? Root { get; init; }
    }

    public static Command Create(CliEnvironment env)
    {
        var providers = env.Providers();
        var runtime = CommonOptions.Runtime(providers);
        var providerOptions = CommonOptions.ProviderOptions(providers);
        var timeout = CommonOptions.Timeout();
        var nestedDepth = CommonOptions.NestedDepth();
        var noNested = CommonOptions.NoNested();
        var json = CommonOptions.Json();
        var root = CommonOptions.Root();
        var command = new Command("list", "List the runtimes found (endpoint, version) and their containers.");
        foreach (Option o in (Option[])[ runtime, .. providerOptions.Select(p => p.Option), timeout, nestedDepth, noNested, root, json ])
        {
            command.Options.Add(o);
        }
        command.SetAction((parse, cancellationToken) => RunAsync(
            new Settings(parse.GetValue(runtime) ?? ["auto"], CommonOptions.Values(parse, providerOptions), parse.GetValue(timeout), parse.GetValue(json))
            {
                NestedDepth = CommonOptions.NestedDepthOf(parse, nestedDepth, noNested),
                Root = parse.GetValue(root),
            },
            env, cancellationToken));
        return command;
    }

    public static async Task<int> RunAsync(Settings s, CliEnvironment env, CancellationToken cancellationToken)
    {
        using var image = CommonOptions.OpenImage(s.Root, env);
        var discovery = await new Discovery(env.Providers(), Serilog.Core.Logger.None)
            .DiscoverAsync(CommonOptions.Discovery(s.Runtimes, s.ProviderOptions, s.TimeoutSeconds, s.NestedDepth, env.Variables, image), cancellationToken)
            .ConfigureAwait(false);
        // Each runtime listed once: what the descent into containers listed is taken, the rest asked side by side.
        List<Listed> listed;
        try
        {
            listed = [.. await Task.WhenAll(discovery.Probes.Select(p => ListAsync(p, discovery, cancellationToken))).ConfigureAwait(false)];
        }
        finally
        {
            foreach (var runtime in discovery.Runtimes)
            {
                await runtime.DisposeAsync().ConfigureAwait(false);
            }
        }

        if (s.Json)
        {
            var doc = listed.Select(l => new Dictionary<string, object?>
            {
                ["runtime"] = l.Probe.Name,
                ["endpoint"] = l.Probe.Endpoint,
                ["answered"] = l.Probe.Runtime is not null,
                ["version"] = l.Probe.Runtime?.Descriptor.Version,
                ["apiVersion"] = l.Probe.Runtime?.Descriptor.ApiVersion,
                ["reason"] = l.Probe.Reason ?? l.Error,
                // A runtime found inside a container: that container and the chain above it, outermost first.
                [NestingFields.NestedIn] = NestingJson.ChainElement(l.Probe.Runtime?.Descriptor.Nesting ?? l.Probe.Nesting),
                // What was looked for inside its containers, and what answered.
                ["descent"] = DescentOf(discovery, l.Probe) is { } descent ? NestingJson.DescentElement(descent) : null,
                ["containers"] = l.Containers.Select(c => new Dictionary<string, object?>
                {
                    // A Kubernetes API server lists whole pods (id: the pod's uid), the engines containers.
                    ["kind"] = c.PodMembership is { IsWholePod: true } ? "pod" : "container",
                    ["id"] = c.Id,
                    ["name"] = c.Name,
                    ["image"] = c.Image,
                    ["state"] = c.State,
                    ["runtime"] = c.Runtime,
                    ["namespace"] = c.RuntimeNamespace,
                    ["podmanPod"] = c.PodmanPod,
                    ["pod"] = c.PodMembership?.DisplayName,
                    ["podUid"] = c.PodMembership?.Uid,
                    ["podSandbox"] = c.PodMembership?.IsSandbox,
                    ["podContainers"] = c.PodMembership is { IsWholePod: true } whole ? whole.Containers : null,
                    ["pid"] = c.Pid,
                    // A lower-level listing of another runtime's container (containerd's view of Docker's): collect folds the two.
                    ["managedBy"] = c.ManagedBy is { } m ? new Dictionary<string, string> { ["runtime"] = m.Runtime, ["id"] = m.Id } : null,
                    [NestingFields.NestedIn] = NestingJson.ChainElement(c.NestedIn),
                }).ToList(),
            }).ToList();
            using var stdout = env.OpenStdout();
            JsonSerializer.Serialize(stdout, doc, JsonOutput.Options);
            stdout.Write("\n"u8);
        }
        else
        {
            // A listing is for people: stderr, like everything else for people. Nested runtimes
            // are shown under the runtime whose container they run in, indented one step a level.
            var w = env.Stderr;
            foreach (var entry in listed.Where(l => l.Probe.Nesting is null && l.Probe.Runtime?.Descriptor.Nesting is null))
            {
                WriteRuntime(w, entry, listed, discovery, "");
            }
        }
        return discovery.Runtimes.Count == 0 ? (int)ExitCode.NoRuntime : (int)ExitCode.Complete;
    }

    /// <summary>One runtime, its containers, what was not looked inside and why, then the runtimes nested in its containers, each one step further in.</summary>
    private static async Task<Listed> ListAsync(RuntimeProbe probe, DiscoveryResult discovery, CancellationToken cancellationToken)
    {
        if (probe.Runtime is not { } runtime)
        {
            return new Listed(probe, [], null);
        }
        if (!discovery.Listings.TryGetValue(runtime, out var listing))
        {
            listing = await RuntimeListing.OfAsync(runtime, cancellationToken).ConfigureAwait(false);
        }
        return listing.Containers is { } containers ? new Listed(probe, containers, null) : new Listed(probe, [], listing.Failure!.SourceException.Message);
    }

    private static void WriteRuntime(TextWriter w, Listed entry, List<Listed> listed, DiscoveryResult discovery, string indent)
    {
        var (probe, containers, error) = entry;
        if (probe.Runtime is null)
        {
            string where = probe.Nesting is { } link ? $" in {link.Describe()}" : "";
            w.WriteLine(ConsoleProgress.Sanitize($"{indent}{probe.Name}{where} at {probe.Endpoint}: not available ({probe.Reason})"));
            return;
        }
        var d = probe.Runtime.Descriptor;
        var pods = containers.Where(c => c.PodMembership is { IsWholePod: true }).ToList();
        string unit = pods.Count > 0 && pods.Count == containers.Count ? "pod(s)" : "container(s)";
        w.WriteLine(ConsoleProgress.Sanitize($"{indent}{d}: version {d.Version ?? "unknown"}{(d.ApiVersion is null ? "" : $", API {d.ApiVersion}")}, {containers.Count} {unit}{(error is null ? "" : $", listing failed: {error}")}"));
        if (pods.Count > 0)
        {
            // A pod as kubectl names it (NAMESPACE/NAME, which also selects it for collect), its phase in cfir's words, its uid whole.
            w.WriteLine($"{indent}  {"NAMESPACE/NAME",-40}  {"STATE",-11}  {"UID",-36}  CONTAINERS");
            foreach (var p in pods)
            {
                w.WriteLine(ConsoleProgress.Sanitize($"{indent}  {p.PodMembership!.DisplayName,-40}  {p.State,-11}  {p.PodMembership.Uid,-36}  {string.Join(", ", p.PodMembership.Containers)}"));
            }
        }
        var others = containers.Where(c => c.PodMembership is not { IsWholePod: true }).ToList();
        if (others.Count > 0)
        {
            w.WriteLine($"{indent}  {"ID",-12}  {"NAME",-30}  {"STATE",-10}  {"NAMESPACE/POD",-20}  IMAGE");
        }
        foreach (var c in others)
        {
            string group = c.PodMembership?.DisplayName ?? c.RuntimeNamespace ?? c.PodmanPod ?? "-";
            // A pod's sandbox has no name of its own: say what it is.
            string name = c.PodMembership is { IsSandbox: true } ? "(pod sandbox)" : c.Name ?? "";
            w.WriteLine(ConsoleProgress.Sanitize($"{indent}  {c.Id[..Math.Min(12, c.Id.Length)],-12}  {name,-30}  {c.State,-10}  {group,-20}  {c.Image}"));
        }
        WriteDescentNotes(w, DescentOf(discovery, probe), indent + "  ");
        foreach (var child in listed.Where(l => IsNestedIn(l.Probe, d)))
        {
            WriteRuntime(w, child, listed, discovery, indent + "  ");
        }
    }

    /// <summary>What a person needs of a descent: why a runtime or a running container was not looked into, and what answered inside and was not taken.</summary>
    private static void WriteDescentNotes(TextWriter w, RuntimeDescent? descent, string indent)
    {
        if (descent is null)
        {
            return;
        }
        if (descent.NotDescended is { } why && !descent.DepthLimit)
        {
            w.WriteLine(ConsoleProgress.Sanitize($"{indent}nested runtimes not looked for: {why}"));
        }
        foreach (var c in descent.Containers.Where(c => c.Container.IsRunning && !c.LookedIntoElsewhere))
        {
            string name = c.Container.Name?.TrimStart('/') is { Length: > 0 } n ? n : NestingLink.ShortId(c.Container.Id);
            if (c.NotDescended is { } notLooked)
            {
                w.WriteLine(ConsoleProgress.Sanitize($"{indent}{name}: not looked inside: {notLooked}"));
            }
            foreach (var socket in c.Sockets.Where(s => s.Answered && !s.Nested))
            {
                w.WriteLine(ConsoleProgress.Sanitize($"{indent}{name}: {socket.Path} {socket.Reason}"));
            }
        }
    }

    /// <summary>The descent from a runtime that answered: the look inside its containers.</summary>
    private static RuntimeDescent? DescentOf(DiscoveryResult discovery, RuntimeProbe probe) =>
        probe.Runtime?.Descriptor is { } d
            ? discovery.Descents.FirstOrDefault(x => x.Endpoint == d.Endpoint && x.Runtime == d.Name && (x.Nesting?.Key ?? "") == (d.Nesting?.Key ?? ""))
            : null;

    /// <summary>Whether a probe was found inside a container of <paramref name="host"/>.</summary>
    private static bool IsNestedIn(RuntimeProbe probe, RuntimeDescriptor host) =>
        (probe.Runtime?.Descriptor.Nesting ?? probe.Nesting) is { } link
        && link.HostEndpoint == host.Endpoint
        && (link.Parent?.Key ?? "") == (host.Nesting?.Key ?? "");

    private sealed record Listed(RuntimeProbe Probe, IReadOnlyList<ContainerInfo> Containers, string? Error);
}
