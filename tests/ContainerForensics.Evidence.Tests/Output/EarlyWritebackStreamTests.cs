using System.Security.Cryptography;
using ContainerForensics.Evidence.Output;

namespace ContainerForensics.Evidence.Tests.Output;

/// <summary>
/// The archive file handed to the disk as it is written: whatever the write-out does, the file
/// holds exactly the bytes written, in order, across many stretches of
/// <see cref="EarlyWritebackStream.WritebackBytes"/> and through both the synchronous and the
/// asynchronous path (each stretch past the first calls sync_file_range, so a binding that does
/// not resolve fails here). What it saves is time, measured by the benchmark, not here.
/// </summary>
public sealed class EarlyWritebackStreamTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cfir-writeback-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Bytes_written_across_many_write_out_stretches_arrive_whole_and_in_order()
    {
        var data = new byte[(3 * EarlyWritebackStream.WritebackBytes) + 12_345];
        new Random(7).NextBytes(data);
        string path = Path.Combine(_dir, "a");
        await using (var stream = new EarlyWritebackStream(new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0)))
        {
            int at = 0;
            // Chunks that never line up with a stretch, alternately written one way and the other.
            for (int i = 0; at < data.Length; i++)
            {
                int n = Math.Min(((i % 7) + 1) * 777_777, data.Length - at);
                if (i % 2 == 0)
                {
                    stream.Write(data.AsSpan(at, n));
                }
                else
                {
                    await stream.WriteAsync(data.AsMemory(at, n));
                }
                at += n;
            }
            await stream.FlushAsync();
        }
        Assert.Equal(data.Length, new FileInfo(path).Length);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(path)));
    }

    [Fact]
    public async Task A_file_output_commits_what_was_written_under_its_final_name()
    {
        var data = new byte[EarlyWritebackStream.WritebackBytes + (5 << 20)];
        new Random(11).NextBytes(data);
        string final = Path.Combine(_dir, "case.tar");
        var output = ArchiveOutput.ToFile(final);
        await output.Stream.WriteAsync(data);
        await output.CommitAsync();
        await output.DisposeAsync();
        Assert.False(File.Exists(output.TemporaryPath));
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(final)));
    }
}
