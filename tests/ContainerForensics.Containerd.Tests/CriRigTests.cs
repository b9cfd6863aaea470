using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ContainerForensics.Containerd.Cri.Api;
using ContainerForensics.Containerd.Grpc;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Containerd.Tests;

/// <summary>
/// A pod made through the CRI API of the rig's real containerd (host network: no CNI needed;
/// the sandbox image is the rig's locally built pause image), with a container that writes to
/// stdout and stderr, one line longer than containerd's 16 KiB split size.
/// </summary>
[Collection("containerd rig")]
public sealed class CriRigTests
{
    /// <summary>40,000 bytes: containerd writes it as parts of at most 16 KiB (P, P, F).</summary>
    private static readonly string LongLine = string.Concat(Enumerable.Repeat("0123456789abcdef", 2500));

    [EngineFact(Engine.Containerd)]
    public async Task Pod_GroupedWithSandboxStatusesAndCriLogs()
    {
        string socket = RigEnvironment.SocketPath(RigEnvironment.ContainerdAddress)!;
        using var channel = new ContainerdChannel(socket, TimeSpan.FromSeconds(60));
        var cri = new RuntimeService.RuntimeServiceClient(channel.CallInvoker);
        string suffix = Guid.NewGuid().ToString("N")[..10];
        var metadata = new PodSandboxMetadata { Name = "cfir-test-pod-" + suffix, Namespace = "cfir-test", Uid = Guid.NewGuid().ToString(), Attempt = 0 };
        string logDirectory = $"/var/log/pods/{metadata.Namespace}_{metadata.Name}_{metadata.Uid}";
        var sandboxConfig = new PodSandboxConfig
        {
            Metadata = metadata,
            LogDirectory = logDirectory,
            Linux = new LinuxPodSandboxConfig
            {
                SecurityContext = new LinuxSandboxSecurityContext { NamespaceOptions = new NamespaceOption { Network = NamespaceMode.Node } },
            },
        };
        // What the kubelet puts on every sandbox and container (pkg/kubelet/types/labels.go); containerd copies them.
        var podLabels = new Dictionary<string, string>
        {
            ["io.kubernetes.pod.name"] = metadata.Name,
            ["io.kubernetes.pod.namespace"] = metadata.Namespace,
            ["io.kubernetes.pod.uid"] = metadata.Uid,
        };
        sandboxConfig.Labels.Add(podLabels);
        string? sandboxId = null;
        try
        {
            try
            {
                sandboxId = (await cri.RunPodSandboxAsync(new RunPodSandboxRequest { Config = sandboxConfig })).PodSandboxId;
            }
            catch (GrpcCallException ex)
            {
                Assert.Fail($"RunPodSandbox failed: {ex.Message}. Without CAP_SYS_RESOURCE the CRI plugin needs restrict_oom_score_adj = true: " +
                            "is containerd running with the config scripts/rig/up.sh writes (/run/cfir-rig/containerd.toml)?");
            }
            var config = new ContainerConfig
            {
                Metadata = new ContainerMetadata { Name = "writer" },
                Image = new ImageSpec { Image = RigEnvironment.ContainerdImage },
                LogPath = "writer/0.log",
            };
            config.Labels.Add(podLabels);
            config.Labels.Add("io.kubernetes.container.name", "writer");
            config.Command.AddRange(["/bin/sh", "-c",
                "echo hello-stdout; echo hello-stderr >&2; " +
                "i=0; s=''; while [ $i -lt 2500 ]; do s=\"${s}0123456789abcdef\"; i=$((i+1)); done; echo \"$s\"; " +
                "echo end-of-test; exec sleep 3600"]);
            string containerId = (await cri.CreateContainerAsync(
                new CreateContainerRequest { PodSandboxId = sandboxId, Config = config, SandboxConfig = sandboxConfig })).ContainerId;
            await cri.StartContainerAsync(new StartContainerRequest { ContainerId = containerId });
            string logFile = logDirectory + "/writer/0.log";
            await WaitForAsync(logFile, "end-of-test");

            await using var runtime = await ContainerdRuntime.ConnectAsync(socket,
                new RuntimeSettings { CallTimeout = TimeSpan.FromSeconds(30) }.With(ContainerdOptions.Address, socket).With(ContainerdOptions.Namespace, "k8s.io"), default);
            var listed = await runtime.ListContainersAsync(default);
            var sandbox = Assert.Single(listed, c => c.Id == sandboxId);
            var writer = Assert.Single(listed, c => c.Id == containerId);

            // Pod identity and the layout's grouping.
            Assert.Equal(new PodMembership { Namespace = metadata.Namespace, Name = metadata.Name, Uid = metadata.Uid, IsSandbox = true }, sandbox.PodMembership);
            Assert.Equal(new PodMembership { Namespace = metadata.Namespace, Name = metadata.Name, Uid = metadata.Uid, ContainerName = "writer" }, writer.PodMembership);
            var layout = new EvidenceLayout();
            string podFolder = $"containers/containerd/k8s.io/pods/{metadata.Namespace}_{metadata.Name}_{metadata.Uid}";
            Assert.Equal($"{podFolder}/sandbox_{sandboxId[..12]}", layout.ContainerRoot(sandbox).Value);
            Assert.Equal($"{podFolder}/writer_{containerId[..12]}", layout.ContainerRoot(writer).Value);

            // Engine-wide CRI evidence.
            var engine = new RecordingSink();
            await runtime.CollectEngineAsync(engine, new CollectionOptions(), default);
            using (var version = JsonDocument.Parse(engine["cri/version.json"].Bytes))
            {
                Assert.Equal("v1", version.RootElement.GetProperty("runtimeApiVersion").GetString());
                Assert.Equal("containerd", version.RootElement.GetProperty("runtimeName").GetString());
            }
            using (var sandboxes = JsonDocument.Parse(engine["cri/pod-sandboxes.json"].Bytes))
            {
                Assert.Contains(sandboxes.RootElement.GetProperty("items").EnumerateArray(), s => s.GetProperty("id").GetString() == sandboxId);
            }
            using (var containers = JsonDocument.Parse(engine["cri/containers.json"].Bytes))
            {
                Assert.Contains(containers.RootElement.GetProperty("containers").EnumerateArray(), c => c.GetProperty("id").GetString() == containerId);
            }

            // Sandbox status (verbose: containerd's info document embedded as JSON).
            var sandboxSink = new RecordingSink();
            await runtime.CollectContainerAsync(sandbox, CollectionPhase.Metadata, sandboxSink, new CollectionOptions(), default);
            using (var status = JsonDocument.Parse(sandboxSink["pod-sandbox-status.json"].Bytes))
            {
                Assert.Equal(sandboxId, status.RootElement.GetProperty("status").GetProperty("id").GetString());
                Assert.Equal("SANDBOX_READY", status.RootElement.GetProperty("status").GetProperty("state").GetString());
                Assert.Equal(JsonValueKind.Object, status.RootElement.GetProperty("info").GetProperty("info").ValueKind);
            }
            Assert.False(sandboxSink.Has("cri-container-status.json"));

            var metadataSink = new RecordingSink();
            await runtime.CollectContainerAsync(writer, CollectionPhase.Metadata, metadataSink, new CollectionOptions(), default);
            using (var status = JsonDocument.Parse(metadataSink["cri-container-status.json"].Bytes))
            {
                Assert.Equal(logFile, status.RootElement.GetProperty("status").GetProperty("logPath").GetString());
                Assert.Equal(sandboxId, status.RootElement.GetProperty("info").GetProperty("info").GetProperty("sandboxID").GetString());
            }

            // Logs: the file byte-exact (hash computed here from the disk), and the parsed form.
            var logs = new RecordingSink();
            await runtime.CollectContainerAsync(writer, CollectionPhase.Logs, logs, new CollectionOptions(), default);
            var raw = logs["files/0.log"];
            Assert.Equal(EntryStatus.Collected, raw.Item.Status);
            Assert.Null(raw.Note); // the borrowed file's closing check ran and found it unchanged
            Assert.Equal(EntryStatus.Collected, raw.Status);
            Assert.Equal(Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(logFile))), Convert.ToHexString(SHA256.HashData(raw.Bytes!)));
            Assert.Contains(" P ", Encoding.UTF8.GetString(raw.Bytes!), StringComparison.Ordinal);

            var records = Encoding.UTF8.GetString(logs["cri-parsed.jsonl"].Bytes!)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => JsonDocument.Parse(l).RootElement)
                .ToList();
            var stdout = records.Where(r => r.GetProperty("stream").GetString() == "stdout").Select(r => r.GetProperty("text").GetString()).ToList();
            var stderr = records.Where(r => r.GetProperty("stream").GetString() == "stderr").Select(r => r.GetProperty("text").GetString()).ToList();
            Assert.Equal(["hello-stdout", LongLine, "end-of-test"], stdout);
            Assert.Equal(["hello-stderr"], stderr);
            var joined = Assert.Single(records, r => r.GetProperty("text").GetString() == LongLine);
            Assert.Equal(3, joined.GetProperty("parts").GetInt32());
            Assert.True(joined.GetProperty("complete").GetBoolean());
            using (var report = JsonDocument.Parse(logs["cri-parsed-report.json"].Bytes))
            {
                var file = Assert.Single(report.RootElement.GetProperty("files").EnumerateArray());
                Assert.Equal(0, file.GetProperty("malformed").GetInt64());
                Assert.Equal(2, file.GetProperty("partialParts").GetInt64());
            }
            Assert.Empty(logs.Errors);
        }
        finally
        {
            if (sandboxId is not null)
            {
                await cri.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = sandboxId });
                await cri.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = sandboxId });
            }
            if (Directory.Exists(logDirectory))
            {
                Directory.Delete(logDirectory, recursive: true);
            }
        }
    }

    /// <summary>Hang guard: the container writes within seconds; 60 s means something is wrong.</summary>
    private static async Task WaitForAsync(string file, string marker)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(File.Exists(file) && (await File.ReadAllTextAsync(file)).Contains(marker, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{file} did not get '{marker}' within 60 s");
            await Task.Delay(200);
        }
    }
}
