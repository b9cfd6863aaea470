using System.Text;
using System.Text.Json;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.Evidence.Reading;
using ContainerForensics.TestSupport;
using Xunit.Abstractions;

namespace ContainerForensics.Cli.Tests.DeadBox;

/// <summary>
/// <c>cfir collect --root</c> as a process on one disk image holding Docker's, Podman's and
/// containerd's state (<see cref="DeadBoxAllEnginesScenario"/>): containerd's containers against
/// the live collection of the same daemon, and a corrupted meta.db that costs containerd's
/// records but nothing of Docker's and Podman's evidence.
/// </summary>
public sealed class DeadBoxAllEnginesTests(DeadBoxAllEnginesScenario scenario, ITestOutputHelper output) : IClassFixture<DeadBoxAllEnginesScenario>
{
    private const int PageSize = 4096; // containerd's meta.db on this machine (bbolt uses the OS page size)

    private static readonly string[] OtherEngines = ["containers/docker/", "containers/podman/", "runtimes/docker/", "runtimes/podman/"];

    [EngineFact(Engine.Containerd)]
    public async Task Containerd_Root_HoldsTheContainersSpecsLayersAndLogs_OfTheLiveCollection()
    {
        Assert.False(scenario.Problems.ContainsKey(Engine.Containerd), scenario.Problem(Engine.Containerd));
        string archive = scenario.Scratch("containerd-root.tar");
        var run = await CfirProcess.RunAsync(["collect", "--root", scenario.Root, "--containerd-root", scenario.ContainerdDataRoot, "--runtime", "containerd", "-f", "tar", "-o", archive, "--json"], environment: null);
        output.WriteLine(run.Stderr);
        Assert.True(run.ExitCode == (int)ExitCode.Complete, run.Describe());
        var verify = await CfirProcess.RunAsync("verify", archive);
        Assert.True(verify.ExitCode == 0, verify.Describe());

        // The live archive also holds the rig's containerd (every candidate socket is probed): only the private one's containers are compared.
        var live = EvidenceArchiveReader.ReadManifest(scenario.LiveContainerd).Where(l => l.Source?.ContainerId is not { } id || scenario.ContainerdIds.Contains(id)).ToList();
        var offline = EvidenceArchiveReader.ReadManifest(archive).ToList();
        // The same container folders, and nothing of this machine's own engines.
        var liveRoots = Roots(live);
        Assert.Contains(liveRoots, r => r.StartsWith("containers/containerd/default/" + DeadBoxAllEnginesScenario.CtrRunning, StringComparison.Ordinal));
        Assert.Contains(liveRoots, r => r.Contains("/pods/cfir-all_web_", StringComparison.Ordinal));
        Assert.Equal(4, liveRoots.Count);
        Assert.Equal(liveRoots, Roots(offline));
        Assert.DoesNotContain(offline, l => l.Path!.StartsWith("containers/docker/", StringComparison.Ordinal) || l.Path!.StartsWith("containers/podman/", StringComparison.Ordinal));
        var acquisition = await ArchiveTools.ReadJsonMemberAsync(archive, "acquisition/acquisition.json");
        var answered = Assert.Single(acquisition.GetProperty("runtimes").EnumerateArray(), r => r.GetProperty("answered").GetBoolean());
        Assert.Equal("containerd", answered.GetProperty("name").GetString());
        Assert.Equal("diskimage", answered.GetProperty("locality").GetString());

        foreach (var root in liveRoots)
        {
            // The OCI spec byte for byte; the writable layer path for path, kind and content.
            Assert.Equal(Sha(live, root + "/metadata/spec.json"), Sha(offline, root + "/metadata/spec.json"));
            Assert.Equal(Files(live, root + "/filesystem/"), Files(offline, root + "/filesystem/"));
        }
        string running = Assert.Single(liveRoots, r => r.StartsWith("containers/containerd/default/" + DeadBoxAllEnginesScenario.CtrRunning, StringComparison.Ordinal));
        Assert.Equal($"planted-{scenario.Suffix}\n", Encoding.UTF8.GetString(await ArchiveTools.ReadMemberAsync(archive, running + "/filesystem/changed/planted.txt")));
        Assert.Equal("whiteout", Assert.Single(offline, l => l.Path == running + "/filesystem/changed/etc/hosts.allow").Kind);
        string stopped = Assert.Single(liveRoots, r => r.StartsWith("containers/containerd/default/" + DeadBoxAllEnginesScenario.CtrStopped, StringComparison.Ordinal));
        Assert.Equal($"stopped-{scenario.Suffix}\n", Encoding.UTF8.GetString(await ArchiveTools.ReadMemberAsync(archive, stopped + "/filesystem/changed/stopped.txt")));

        // The pod's container: the CRI log file byte for byte, and its lines parsed as live.
        string writer = Assert.Single(liveRoots, r => r.Contains("/pods/cfir-all_web_", StringComparison.Ordinal) && r.Contains("/writer_", StringComparison.Ordinal));
        Assert.NotNull(Sha(live, writer + "/logs/files/0.log"));
        Assert.Equal(Sha(live, writer + "/logs/files/0.log"), Sha(offline, writer + "/logs/files/0.log"));
        var lines = (await ArchiveTools.ReadJsonLinesAsync(archive, writer + "/logs/cri-parsed.jsonl")).Select(l => (l.GetProperty("stream").GetString(), l.GetProperty("text").GetString())).ToList();
        Assert.Equal((await ArchiveTools.ReadJsonLinesAsync(scenario.LiveContainerd, writer + "/logs/cri-parsed.jsonl")).Select(l => (l.GetProperty("stream").GetString(), l.GetProperty("text").GetString())), lines);
        Assert.Contains(("stdout", $"ctr-line-{scenario.Suffix}"), lines);
        Assert.Contains(("stderr", $"ctr-err-{scenario.Suffix}"), lines);
        // The engine's databases, byte-exact.
        Assert.Equal("collected", Assert.Single(offline, l => l.Path == "runtimes/containerd/metadata/data-root/io.containerd.metadata.v1.bolt/meta.db").Status);
    }

    [EnginesFact(Engine.Docker, Engine.Podman, Engine.Containerd)]
    public async Task CorruptedMetaDb_StillYieldsDockerAndPodman_AndRecordsWhatWasNotRead()
    {
        Assert.Empty(scenario.Problems);
        string intact = scenario.Scratch("intact.tar");
        var intactRun = await CollectAllAsync(intact);
        Assert.True(intactRun.ExitCode == (int)ExitCode.Complete, intactRun.Describe());
        var before = EvidenceArchiveReader.ReadManifest(intact).ToList();
        foreach (var name in scenario.Ids.Keys)
        {
            Assert.Contains(before, l => l.Source?.ContainerId == scenario.Ids[name]);
        }

        string metaDb = scenario.Root + scenario.ContainerdDataRoot + "/io.containerd.metadata.v1.bolt/meta.db";
        byte[] original = await File.ReadAllBytesAsync(metaDb);
        var recordPages = PagesHolding(original, DeadBoxAllEnginesScenario.CtrRunning);
        Assert.NotEmpty(recordPages);
        foreach (string how in (string[])["every third page", "the running container's pages", "cut in half"])
        {
            await File.WriteAllBytesAsync(metaDb, how switch
            {
                "every third page" => Flipped(original, Enumerable.Range(2, original.Length / PageSize).Where(p => p % 3 == 2)),
                "the running container's pages" => Flipped(original, recordPages),
                _ => original[..(original.Length / 2)],
            });
            try
            {
                string archive = scenario.Scratch($"corrupt-{how.Replace(' ', '-')}.tar");
                var run = await CollectAllAsync(archive);
                output.WriteLine($"{how}: {run.Stderr}");
                Assert.True(run.ExitCode == (int)ExitCode.Partial, $"{how}: {run.Describe()}");
                var verify = await CfirProcess.RunAsync("verify", archive);
                Assert.True(verify.ExitCode == 0, $"{how}: {verify.Describe()}");

                // Docker's and Podman's evidence, entry for entry as from the intact image.
                var after = EvidenceArchiveReader.ReadManifest(archive).ToList();
                Assert.Equal(Others(before), Others(after));
                foreach (var name in scenario.Ids.Keys)
                {
                    Assert.Contains(after, l => l.Source?.ContainerId == scenario.Ids[name] && l.Path!.EndsWith("/filesystem/changed/tmp/planted", StringComparison.Ordinal)
                        || l.Source?.ContainerId == scenario.Ids[name] && l.Path!.Contains("/logs/", StringComparison.Ordinal) && l.Status == "collected");
                }

                // What of meta.db could not be read: in the errors, in the database's own record, in the acquisition record.
                var errors = (await ArchiveTools.ReadJsonLinesAsync(archive, "manifest/errors.jsonl"))
                    .Where(e => e.GetProperty("runtime").GetString() == "containerd").Select(e => e.GetProperty("message").GetString()!).ToList();
                Assert.Contains(errors, e => e.Contains("meta.db", StringComparison.Ordinal));
                Assert.DoesNotContain(await ArchiveTools.ReadJsonLinesAsync(archive, "manifest/errors.jsonl"),
                    e => e.GetProperty("runtime").GetString() is "docker" or "podman");
                var seal = await ArchiveTools.ReadJsonMemberAsync(archive, "SEAL.json");
                Assert.False(seal.GetProperty("complete").GetBoolean());
                var acquisition = await ArchiveTools.ReadJsonMemberAsync(archive, "acquisition/acquisition.json");
                var containerd = Assert.Single(acquisition.GetProperty("runtimes").EnumerateArray(), r => r.GetProperty("name").GetString() == "containerd" && r.GetProperty("answered").GetBoolean());
                string said = containerd.GetProperty("metaDb").GetString()!;
                output.WriteLine($"{how}: metaDb: {said}");
                Assert.Contains("unreadable: page", said, StringComparison.Ordinal);
                if (how == "the running container's pages")
                {
                    // Only the pages that held its record are lost: the rest of containerd is still read.
                    Assert.Contains(errors, e => recordPages.Any(p => e.Contains($"page {p},", StringComparison.Ordinal)));
                    Assert.Contains(after, l => l.Source?.ContainerId == scenario.WriterId && l.Path!.EndsWith("/metadata/spec.json", StringComparison.Ordinal) && l.Status == "collected");
                }
                Assert.Contains(acquisition.GetProperty("runtimes").EnumerateArray(), r => r.GetProperty("name").GetString() == "docker" && r.GetProperty("answered").GetBoolean());
                Assert.Contains(acquisition.GetProperty("runtimes").EnumerateArray(), r => r.GetProperty("name").GetString() == "podman" && r.GetProperty("answered").GetBoolean());
            }
            finally
            {
                await File.WriteAllBytesAsync(metaDb, original);
            }
        }
    }

    private Task<ProcessResult> CollectAllAsync(string archive) =>
        CfirProcess.RunAsync(["collect", .. scenario.RootFlags, "--volumes", "-f", "tar", "-o", archive, "-q"], environment: null);

    /// <summary>The header (id, flags, count, overflow) of each page flipped: what the page held is lost.</summary>
    private static byte[] Flipped(byte[] original, IEnumerable<int> pages)
    {
        byte[] bytes = (byte[])original.Clone();
        foreach (int page in pages.Where(p => (p + 1) * PageSize <= bytes.Length))
        {
            for (int i = page * PageSize; i < page * PageSize + 16; i++)
            {
                bytes[i] ^= 0xFF;
            }
        }
        return bytes;
    }

    /// <summary>Every page (past the two meta pages) whose bytes hold <paramref name="text"/>: the live record, and copies a commit left in freed pages.</summary>
    private static List<int> PagesHolding(byte[] bytes, string text)
    {
        byte[] needle = Encoding.ASCII.GetBytes(text);
        var pages = new List<int>();
        for (int at = bytes.AsSpan().IndexOf(needle); at >= 0;)
        {
            if (at / PageSize >= 2 && !pages.Contains(at / PageSize))
            {
                pages.Add(at / PageSize);
            }
            int next = bytes.AsSpan(at + 1).IndexOf(needle);
            at = next < 0 ? -1 : at + 1 + next;
        }
        return pages;
    }

    /// <summary>Every manifest entry of Docker and Podman: path, kind, status, content hash.</summary>
    private static List<string> Others(List<ManifestLine> manifest) =>
        [.. manifest.Where(l => OtherEngines.Any(p => l.Path!.StartsWith(p, StringComparison.Ordinal)))
            .Select(l => $"{l.Path} {l.Kind} {l.Status} {l.Sha256}").Order(StringComparer.Ordinal)];

    private static List<string> Roots(List<ManifestLine> manifest) =>
        [.. manifest.Where(l => l.Source?.ContainerId is not null && l.Path!.StartsWith("containers/", StringComparison.Ordinal))
            .Select(l => string.Join('/', l.Path!.Split('/')[..(l.Path!.Contains("/pods/", StringComparison.Ordinal) ? 6 : 4)])).Distinct().Order(StringComparer.Ordinal)];

    private static string? Sha(List<ManifestLine> manifest, string path) => manifest.SingleOrDefault(l => l.Path == path)?.Sha256;

    private static List<string> Files(List<ManifestLine> manifest, string folder) =>
        [.. manifest.Where(l => l.Path!.StartsWith(folder, StringComparison.Ordinal)).Select(l => $"{l.Path![folder.Length..]} {l.Kind} {l.Sha256}").Order(StringComparer.Ordinal)];
}
