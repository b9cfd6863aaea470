using System.Text.Json;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.TestSupport;
using ContainerForensics.TestSupport.Nested;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// A node whose containerd hangs (stopped with SIGSTOP while its containers run): recorded with
/// why, and it costs the call budget, not the run. Alone in its collection: while the daemon is
/// stopped, any other test's run that reaches it would rightly record it too.
/// </summary>
[Collection(NestedHangTests.Alone)]
public sealed class NestedHangTests
{
    public const string Alone = "a nested daemon stopped";

    [EngineFact(Engine.Docker)]
    public async Task ANodeWhoseContainerdHangs_IsRecordedWithWhyAndTheRestAnswers()
    {
        await using var node = await KindNode.StartAsync();
        await node.FreezeDaemonAsync();
        try
        {
            var result = await CfirProcess.RunAsync(["list", "--json", "--timeout", "2", .. CfirProcess.DockerFlags], environment: null);

            Assert.True(result.ExitCode == 0, result.Describe());
            using var doc = JsonDocument.Parse(result.Stdout);
            var runtimes = doc.RootElement.EnumerateArray().ToList();
            var hung = Assert.Single(runtimes, r => r.TryGetProperty("nestedIn", out var chain) && chain.ValueKind == JsonValueKind.Array
                && chain[0].GetProperty("containerId").GetString() == node.Id);
            Assert.False(hung.GetProperty("answered").GetBoolean());
            Assert.Equal("containerd", hung.GetProperty("runtime").GetString());
            Assert.False(string.IsNullOrEmpty(hung.GetProperty("reason").GetString()));
            Assert.Contains(runtimes, r => r.GetProperty("runtime").GetString() == "docker" && r.GetProperty("answered").GetBoolean() && r.GetProperty("nestedIn").ValueKind == JsonValueKind.Null);
        }
        finally
        {
            await node.ThawDaemonAsync();
        }
    }
}

[CollectionDefinition(NestedHangTests.Alone, DisableParallelization = true)]
public sealed class NestedHangCollection;
