using System.Text.Json;
using System.Text.Json.Nodes;
using ContainerForensics.Containerd.Cri.Logs;
using ContainerForensics.Containerd.Grpc;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.Runtimes;
using Google.Protobuf;
using StatusCode = Grpc.Core.StatusCode;

namespace ContainerForensics.Containerd.Cri;

/// <summary>
/// What the Kubernetes CRI (runtime.v1, served by containerd's CRI plugin on the same socket)
/// adds to a containerd collection:
/// <list type="bullet">
/// <item>engine-wide, under <c>metadata/cri/</c>: <c>version.json</c>, <c>pod-sandboxes.json</c>
/// (ListPodSandbox), <c>containers.json</c> (ListContainers); when the daemon does not serve
/// runtime.v1 (no CRI plugin: Unimplemented) each is a Skipped entry saying so;</item>
/// <item>a pod's sandbox: <c>metadata/pod-sandbox-status.json</c> (PodSandboxStatus, verbose);</item>
/// <item>a pod's container: <c>metadata/cri-container-status.json</c> (ContainerStatus, verbose)
/// and, in the Logs phase, its CRI log folder (<see cref="CriLogFiles"/>).</item>
/// </list>
/// The verbose <c>info</c> map's values are JSON documents in containerd; each is embedded as
/// JSON when it parses, kept as a string when not.
/// </summary>
internal sealed class CriEvidenceCollector(CriClient client, Func<string, string> describe, RuntimeLocality locality)
{
    public async Task CollectEngineAsync(IEvidenceSink sink, CancellationToken cancellationToken)
    {
        string? unimplemented = null;
        async Task AddAsync(string name, string method, Func<CancellationToken, Task<IMessage>> call)
        {
            if (unimplemented is not null)
            {
                await SkipAsync(sink, "cri/" + name, method, unimplemented, cancellationToken).ConfigureAwait(false);
                return;
            }
            try
            {
                var response = await call(cancellationToken).ConfigureAwait(false);
                await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "cri/" + name, Format(response), describe(method)), cancellationToken).ConfigureAwait(false);
            }
            catch (GrpcCallException ex) when (ex.StatusCode == StatusCode.Unimplemented)
            {
                unimplemented = $"the daemon does not serve the CRI runtime.v1 API (no CRI plugin, or only v1alpha2): {ex.Message}";
                await SkipAsync(sink, "cri/" + name, method, unimplemented, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is GrpcCallException or GrpcTimeoutException)
            {
                await FailAsync(sink, "cri/" + name, method, ex.Message, cancellationToken).ConfigureAwait(false);
            }
        }
        await AddAsync("version.json", CriMethods.Version, async ct => await client.VersionAsync(ct).ConfigureAwait(false)).ConfigureAwait(false);
        await AddAsync("pod-sandboxes.json", CriMethods.ListPodSandbox, async ct => await client.ListPodSandboxAsync(ct).ConfigureAwait(false)).ConfigureAwait(false);
        await AddAsync("containers.json", CriMethods.ListContainers, async ct => await client.ListContainersAsync(ct).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>Metadata of a pod member: its CRI status, verbose.</summary>
    public async Task CollectMetadataAsync(ContainerInfo container, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        if (container.PodMembership is not { } pod)
        {
            return;
        }
        if (pod.IsSandbox)
        {
            await StatusAsync(sink, "pod-sandbox-status.json", CriMethods.PodSandboxStatus,
                async ct => await client.PodSandboxStatusAsync(container.Id, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await StatusAsync(sink, "cri-container-status.json", CriMethods.ContainerStatus,
                async ct => await client.ContainerStatusAsync(container.Id, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Logs of a pod's container: the log folder that ContainerStatus' log_path names.</summary>
    public async Task CollectLogsAsync(ContainerInfo container, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        if (container.PodMembership is not { IsSandbox: false })
        {
            return;
        }
        string method = CriMethods.ContainerStatus;
        string logPath;
        try
        {
            logPath = (await client.ContainerStatusAsync(container.Id, cancellationToken).ConfigureAwait(false)).Status?.LogPath ?? "";
        }
        catch (Exception ex) when (ex is GrpcCallException or GrpcTimeoutException)
        {
            bool gone = ex is GrpcCallException { StatusCode: StatusCode.NotFound };
            await FailAsync(sink, CriLogFiles.Folder, method, $"the CRI log path is not known: {ex.Message}", cancellationToken, EvidenceSection.Logs, gone ? EntryStatus.Missing : EntryStatus.Failed).ConfigureAwait(false);
            return;
        }
        if (logPath.Length == 0)
        {
            await SkipAsync(sink, CriLogFiles.Folder, method, "ContainerStatus has no log_path: the kubelet gave this container no log file", cancellationToken, EvidenceSection.Logs).ConfigureAwait(false);
            return;
        }
        if (!locality.SharesHostPaths && locality.PathRoot is null)
        {
            // log_path is a path of containerd's host, not of this one, and there is no way to its root from here.
            await SkipAsync(sink, CriLogFiles.Folder, method, $"the CRI log folder {logPath} was not read: containerd is {locality.Describe()} ({locality.Why})", cancellationToken, EvidenceSection.Logs).ConfigureAwait(false);
            return;
        }
        // A nested containerd (a kind node): log_path is a path of the node, read beneath the node's root.
        await CriLogFiles.CaptureAsync(sink, logPath, CaptureLimits.From(options), cancellationToken, locality.SharesHostPaths ? null : locality.PathRoot).ConfigureAwait(false);
    }

    private async Task StatusAsync(IEvidenceSink sink, string name, string method, Func<CancellationToken, Task<IMessage>> call, CancellationToken cancellationToken)
    {
        try
        {
            var response = await call(cancellationToken).ConfigureAwait(false);
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, name, Format(response), describe(method) + " verbose=true"), cancellationToken).ConfigureAwait(false);
        }
        catch (GrpcCallException ex) when (ex.StatusCode == StatusCode.Unimplemented)
        {
            await SkipAsync(sink, name, method, $"the daemon does not serve the CRI runtime.v1 API: {ex.Message}", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is GrpcCallException or GrpcTimeoutException)
        {
            bool gone = ex is GrpcCallException { StatusCode: StatusCode.NotFound };
            await FailAsync(sink, name, method, ex.Message, cancellationToken, EvidenceSection.Metadata, gone ? EntryStatus.Missing : EntryStatus.Failed).ConfigureAwait(false);
        }
    }

    /// <summary>The protobuf JSON mapping, with every <c>info</c> map value that is JSON embedded as JSON.</summary>
    internal static byte[] Format(IMessage message)
    {
        var json = ContainerdJson.ToNode(message);
        if (json["info"] is JsonObject info)
        {
            foreach (var key in info.Select(p => p.Key).ToList())
            {
                if (info[key] is JsonValue value && value.TryGetValue(out string? text))
                {
                    try
                    {
                        info[key] = JsonNode.Parse(text);
                    }
                    catch (JsonException)
                    {
                        // Not JSON: the string stays as the daemon sent it.
                    }
                }
            }
        }
        return ContainerdJson.Serialize(json);
    }

    private Task SkipAsync(IEvidenceSink sink, string name, string method, string reason, CancellationToken cancellationToken, EvidenceSection section = EvidenceSection.Metadata) =>
        AddRecordAsync(sink, name, method, reason, section, EntryStatus.Skipped, cancellationToken);

    private Task FailAsync(IEvidenceSink sink, string name, string method, string reason, CancellationToken cancellationToken, EvidenceSection section = EvidenceSection.Metadata, EntryStatus status = EntryStatus.Failed) =>
        AddRecordAsync(sink, name, method, reason, section, status, cancellationToken);

    private async Task AddRecordAsync(IEvidenceSink sink, string name, string method, string reason, EvidenceSection section, EntryStatus status, CancellationToken cancellationToken) =>
        await sink.AddAsync(new EvidenceItem
        {
            Section = section,
            Name = name,
            Status = status,
            Reason = reason,
            Source = new EvidenceSource { Description = describe(method) },
        }, cancellationToken).ConfigureAwait(false);
}
