using ContainerForensics.Core.Evidence;
using ContainerForensics.HostEvidence.Interop;
using ContainerForensics.HostEvidence.Network;

namespace ContainerForensics.HostEvidence.Tests.Network;

public sealed class ProcNetReaderTests : IDisposable
{
    private readonly FakeProc _proc = new();

    public void Dispose() => _proc.Dispose();

    private static ProcNetFile File(string name) => ProcNetFile.All.Single(f => f.Name == name);

    [Fact]
    public async Task A_process_that_moved_to_another_namespace_keeps_its_bytes_marked_and_undecoded()
    {
        _proc.Process(7, 100).NetFile(7, "tcp", ProcNetSamples.Tcp);
        ProcessDirectory.Open(_proc.Root, 7, out var opened);
        using var process = opened!;
        var reader = new ProcNetReader(process, "net:[100]", 1 << 20, TimeProvider.System);
        Assert.True((await reader.ReadAsync(File("tcp"), CancellationToken.None)).Decodable);

        _proc.MoveToNamespace(7, 200);
        var read = await reader.ReadAsync(File("tcp"), CancellationToken.None);
        Assert.Equal(EntryStatus.Partial, read.Status);
        Assert.Contains("net:[200]", read.Reason, StringComparison.Ordinal);
        Assert.True(read.OtherNamespace);
        Assert.False(read.Decodable);
        Assert.NotNull(read.Content);
    }

    [Fact]
    public async Task A_process_that_is_gone_reads_nothing_and_says_so()
    {
        _proc.Process(8, 100).NetFile(8, "tcp", ProcNetSamples.Tcp);
        ProcessDirectory.Open(_proc.Root, 8, out var opened);
        using var process = opened!;
        var reader = new ProcNetReader(process, "net:[100]", 1 << 20, TimeProvider.System);
        Assert.True(reader.ProcessAlive);

        Directory.Delete(Path.Combine(_proc.Root, "8"), recursive: true);
        var read = await reader.ReadAsync(File("tcp"), CancellationToken.None);
        Assert.Null(read.Content);
        Assert.False(reader.ProcessAlive);
    }

    [Fact]
    public async Task The_pinned_process_is_the_one_opened_not_a_newcomer_with_the_same_number()
    {
        _proc.Process(9, 100).NetFile(9, "tcp", ProcNetSamples.Tcp);
        ProcessDirectory.Open(_proc.Root, 9, out var opened);
        using var process = opened!;
        var reader = new ProcNetReader(process, "net:[100]", 1 << 20, TimeProvider.System);

        // The number is reused by a process of another namespace: a path by number would now read it.
        Directory.Move(Path.Combine(_proc.Root, "9"), Path.Combine(_proc.Root, "9-gone"));
        _proc.Process(9, 300).NetFile(9, "tcp", "newcomer\n");
        var read = await reader.ReadAsync(File("tcp"), CancellationToken.None);
        Assert.Equal(ProcNetSamples.Bytes(ProcNetSamples.Tcp).ToArray(), read.Content);
        Assert.True(read.Decodable);
    }
}
