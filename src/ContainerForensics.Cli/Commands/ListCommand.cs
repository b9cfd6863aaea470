using System.CommandLine;
using System.Text.Json;
using ContainerForensics.Cli.Hosting;
using ContainerForensics.Core;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Runtimes;
using Serilog;

namespace ContainerForensics.Cli.Commands;

/// <summary><c>cfir list</c>: the runtimes found and their containers, i.e. what collect would take.</summary>
internal static class ListCommand
{
    internal sealed record Settings(IReadOnlyList<string> Runtimes, IReadOnlyDictionary<string, IReadOnlyList<string>> ProviderOptions, int TimeoutSeconds, bool Json);

    public static Command Create(CliEnvironment env)
    {
        var providers = env.Providers();
        var runtime = CommonOptions.Runtime(providers);
        var providerOptions = CommonOptions.ProviderOptions(providers);
        var timeout = CommonOptions.Timeout();
        var json = CommonOptions.Json();
        var command = new Command("list", "List the runtimes found (endpoint, version) and their containers.");
        foreach (Option o in (Option[])[ runtime, .. providerOptions.Select(p => p.Option), timeout, json ])
        {
            command.Options.Add(o);
        }
        command.SetAction((parse, cancellationToken) => RunAsync(
            new Settings(parse.GetValue(runtime) ?? ["auto"], CommonOptions.Values(parse, providerOptions), parse.GetValue(timeout), parse.GetValue(json)),
            env, cancellationToken));
        return command;
    }

    public static async Task<int> RunAsync(Settings s, CliEnvironment env, CancellationToken cancellationToken)
    {
        var discovery = await new Discovery(env.Providers(), Serilog.Core.Logger.None)
            .DiscoverAsync(s.Runtimes, CommonOptions.Settings(s.ProviderOptions, s.TimeoutSeconds, env.Variables), cancellationToken)
            .ConfigureAwait(false);
        var listed = new List<(RuntimeProbe Probe, IReadOnlyList<ContainerInfo> Containers, string? Error)>();
        foreach (var probe in discovery.Probes)
        {
            if (probe.Runtime is null)
            {
                listed.Add((probe, [], null));
                continue;
            }
            try
            {
                listed.Add((probe, await probe.Runtime.ListContainersAsync(cancellationToken).ConfigureAwait(false), null));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                listed.Add((probe, [], ex.Message));
            }
            finally
            {
                await probe.Runtime.DisposeAsync().ConfigureAwait(false);
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
                }).ToList(),
            }).ToList();
            using var stdout = env.OpenStdout();
            JsonSerializer.Serialize(stdout, doc, JsonOutput.Options);
            stdout.Write("\n"u8);
        }
        else
        {
            // A listing is for people: stderr, like everything else for people.
            var w = env.Stderr;
            foreach (var (probe, containers, error) in listed)
            {
                if (probe.Runtime is null)
                {
                    w.WriteLine($"{probe.Name} at {probe.Endpoint}: not available ({probe.Reason})");
                    continue;
                }
                var d = probe.Runtime.Descriptor;
                var pods = containers.Where(c => c.PodMembership is { IsWholePod: true }).ToList();
                string unit = pods.Count > 0 && pods.Count == containers.Count ? "pod(s)" : "container(s)";
                w.WriteLine($"{d.Name} at {d.Endpoint}: version {d.Version}{(d.ApiVersion is null ? "" : $", API {d.ApiVersion}")}, {containers.Count} {unit}{(error is null ? "" : $", listing failed: {error}")}");
                if (pods.Count > 0)
                {
                    // A pod as kubectl names it (NAMESPACE/NAME, which also selects it for collect), its phase in cfir's words, its uid whole.
                    w.WriteLine($"  {"NAMESPACE/NAME",-40}  {"STATE",-11}  {"UID",-36}  CONTAINERS");
                    foreach (var p in pods)
                    {
                        w.WriteLine(ConsoleProgress.Sanitize($"  {p.PodMembership!.DisplayName,-40}  {p.State,-11}  {p.PodMembership.Uid,-36}  {string.Join(", ", p.PodMembership.Containers)}"));
                    }
                }
                var others = containers.Where(c => c.PodMembership is not { IsWholePod: true }).ToList();
                if (others.Count > 0)
                {
                    w.WriteLine($"  {"ID",-12}  {"NAME",-30}  {"STATE",-10}  {"NAMESPACE/POD",-20}  IMAGE");
                }
                foreach (var c in others)
                {
                    string group = c.PodMembership?.DisplayName ?? c.RuntimeNamespace ?? c.PodmanPod ?? "-";
                    // A pod's sandbox has no name of its own: say what it is.
                    string name = c.PodMembership is { IsSandbox: true } ? "(pod sandbox)" : c.Name ?? "";
                    w.WriteLine(ConsoleProgress.Sanitize($"  {c.Id[..Math.Min(12, c.Id.Length)],-12}  {name,-30}  {c.State,-10}  {group,-20}  {c.Image}"));
                }
            }
        }
        return discovery.Runtimes.Count == 0 ? (int)ExitCode.NoRuntime : (int)ExitCode.Complete;
    }
}
