using ContainerForensics.Cli.Commands;
using ContainerForensics.Core.IO;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// The findings tap never holds the archive writer up: a stream its reader cannot parse, or one
/// cut short, is read to its end all the same, and the failure is what the summary reports.
/// </summary>
public sealed class FindingsTapTests
{
    [Fact]
    public void A_stream_that_is_no_archive_is_read_to_its_end_and_its_failure_reported()
    {
        using var tap = new FindingsTap();
        var junk = new byte[BoundedPipe.ChunkSize];
        new Random(9).NextBytes(junk);
        var writing = new Thread(() =>
        {
            // Far more than the pipe holds: only a reader that drains lets this finish.
            for (int i = 0; i < 8 * BoundedPipe.MaxChunks; i++)
            {
                tap.Input.Write(junk);
            }
        });
        writing.Start();
        Assert.True(writing.Join(TimeSpan.FromSeconds(60)), "the writer was held up by a reader that had failed");
        var failure = Record.Exception(() => tap.Findings());
        Assert.NotNull(failure);
    }

    [Fact]
    public async Task A_run_that_ends_before_any_archive_byte_ends_the_reader_too()
    {
        using var tap = new FindingsTap();
        tap.Complete();
        var done = Task.Run(() => Record.Exception(() => tap.Findings()));
        Assert.Same(done, await Task.WhenAny(done, Task.Delay(TimeSpan.FromSeconds(30))));
    }
}
