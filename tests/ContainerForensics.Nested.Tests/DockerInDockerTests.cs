using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Runtime;
using ContainerForensics.Docker.Transport;
using ContainerForensics.HostEvidence;
using ContainerForensics.TestSupport;
using ContainerForensics.TestSupport.Nested;

namespace ContainerForensics.Nested.Tests;

/// <summary>
/// Docker-in-Docker of the nested rig, seen with cfir's existing Docker provider: the inner
/// dockerd, reached through the container's root, is nested, lists its own containers, reports
/// their pids in its namespace, and the host process evidence reads the right host process.
/// </summary>
public sealed class DockerInDockerTests(DockerInDockerFixture fixture) : IClassFixture<DockerInDockerFixture>
{
    private static async Task<DockerRuntime> ConnectAsync(DockerInDocker dind) =>
        new(await DockerClient.ConnectAsync(DockerEndpoint.Parse(dind.Endpoint), TimeSpan.FromSeconds(30), TimeProvider.System, default));

    [EngineFact(Engine.Docker)]
    public async Task The_inner_dockerd_is_nested_and_lists_its_own_containers()
    {
        var (dind, planted) = await fixture.GetAsync();

        await using var runtime = await ConnectAsync(dind);
        var listed = await runtime.ListContainersAsync(default);

        var locality = runtime.Descriptor.Locality;
        Assert.Equal(LocalityKind.Nested, locality.Kind);
        Assert.Equal(dind.HostPid, locality.DaemonPid);
        Assert.Equal(dind.PidNamespace, locality.PidNamespace);
        Assert.Equal("dockerd", File.ReadAllText($"/proc/{dind.HostPid}/comm").Trim());
        Assert.Equal(planted.Select(c => c.Id).Order(), listed.Select(c => c.Id).Order());
        foreach (var c in planted)
        {
            var seen = Assert.Single(listed, l => l.Id == c.Id);
            Assert.Equal(c.Name, seen.Name);
            Assert.Equal("running", seen.State);
            Assert.Equal(c.InnerPid, await runtime.GetInitPidAsync(seen, default));
        }
    }

    [EngineFact(Engine.Docker)]
    public async Task The_host_process_evidence_of_an_inner_container_is_its_host_process()
    {
        var (dind, planted) = await fixture.GetAsync();
        await using var runtime = await ConnectAsync(dind);
        var listed = await runtime.ListContainersAsync(default);

        foreach (var c in planted)
        {
            var sink = new RecordingSink();
            await new HostProcessCollector().CollectAsync(Assert.Single(listed, l => l.Id == c.Id), runtime, sink, new CollectionOptions(), default);

            string pid = c.HostPid.ToString(CultureInfo.InvariantCulture);
            Assert.Equal(c.Cmdline, sink[$"processes/{pid}/cmdline"].Content);
            using var capture = JsonDocument.Parse(sink["capture.json"].Content);
            Assert.Equal(c.HostPid, capture.RootElement.GetProperty("initPid").GetInt32());
            Assert.Equal(c.InnerPid, capture.RootElement.GetProperty("runtimeInitPid").GetInt32());
            Assert.Empty(sink.Errors);
        }
    }

    [EngineFact(Engine.Docker)]
    public async Task Each_inner_container_has_its_planted_file()
    {
        var (dind, planted) = await fixture.GetAsync();

        foreach (var c in planted)
        {
            byte[] content = await File.ReadAllBytesAsync(c.PlantedHostPath);
            Assert.Equal(c.PlantedContent, content);
            // The inner dockerd's own copy of the file (docker cp inside the DinD container): the same bytes.
            string inner = await dind.ExecAsync("sh", "-c", $"docker cp {c.Name}:{NestedContainer.PlantedPath} - | tar -xO | sha256sum");
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), inner.Split(' ')[0]);
        }
    }
}
