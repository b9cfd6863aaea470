using System.Security.Cryptography;
using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Filesystem;
using ContainerForensics.Docker.Logs;

namespace ContainerForensics.Docker.Tests.Logs;

/// <summary>LogPath and its rotated siblings, captured from a directory made here.</summary>
public sealed class LogFilesTests : IDisposable
{
    private static readonly HostPathAccess ThisHost = HostPathAccess.For(RuntimeLocality.ThisHost("test: cfir's own namespaces"));

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("cfir-logfiles-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Log_file_and_rotated_siblings_in_rotation_order_byte_exact()
    {
        string log = Write("abc-json.log", "current\n");
        foreach (var name in new[] { "abc-json.log.10", "abc-json.log.2.gz", "abc-json.log.1", "abc-json.log.1.gz", "abc-json.log.old", "abc-json.logs", "abc-json.lo", "hostconfig.json" })
        {
            Write(name, name + "\n");
        }
        Directory.CreateDirectory(Path.Combine(_dir.FullName, "checkpoints"));
        var sink = new RecordingSink();

        await LogFiles.CaptureAsync(sink, log, "json-file log driver", neverStarted: false, CaptureLimits.None, ThisHost, CancellationToken.None);

        Assert.Empty(sink.Errors);
        Assert.Equal(
            ["files/abc-json.log", "files/abc-json.log.1", "files/abc-json.log.1.gz", "files/abc-json.log.2.gz", "files/abc-json.log.10", "files/abc-json.log.old"],
            sink.Names);
        foreach (var c in sink.Items)
        {
            string path = Path.Combine(_dir.FullName, c.Item.Name!["files/".Length..]);
            Assert.Equal(EntryStatus.Collected, c.Status);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), c.Sha256);
            Assert.Equal(Encoding.UTF8.GetBytes(path), c.Item.Source!.OriginalPath);
            Assert.StartsWith($"host file {path}: ", c.Item.Source.Description, StringComparison.Ordinal);
            Assert.Equal(new FileInfo(path).Length, c.Item.Metadata.Size);
            Assert.NotNull(c.Item.Metadata.ModifiedTime);
            Assert.Null(c.Item.RawPath);
        }
        Assert.Contains("LogPath", sink["files/abc-json.log"].Item.Source!.Description, StringComparison.Ordinal);
        Assert.Contains("rotated sibling", sink["files/abc-json.log.1"].Item.Source!.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_symlinked_sibling_is_recorded_never_followed()
    {
        string log = Write("ctr.log", "x\n");
        File.CreateSymbolicLink(Path.Combine(_dir.FullName, "ctr.log.1"), "/etc/passwd");
        var sink = new RecordingSink();
        await LogFiles.CaptureAsync(sink, log, "k8s-file log driver", neverStarted: false, CaptureLimits.None, ThisHost, CancellationToken.None);
        var link = sink["files/ctr.log.1"];
        Assert.Equal(EntryKind.Symlink, link.Item.Metadata.Kind);
        Assert.Equal("/etc/passwd"u8.ToArray(), link.Item.Metadata.LinkTarget);
        Assert.Null(link.Bytes);
    }

    [Fact]
    public async Task An_unreadable_log_path_is_a_failed_item_saying_why()
    {
        string log = Path.Combine(_dir.FullName, "gone", "abc-json.log");
        var sink = new RecordingSink();
        await LogFiles.CaptureAsync(sink, log, "json-file log driver", neverStarted: false, CaptureLimits.None, ThisHost, CancellationToken.None);
        var c = Assert.Single(sink.Items);
        Assert.Equal("files/abc-json.log", c.Item.Name);
        Assert.Equal(EntryStatus.Failed, c.Status);
        Assert.Equal(UnixError.ENOENT, c.Item.Errno);
        Assert.Equal($"LogPath {log} not readable: cannot open walk root '{Path.GetDirectoryName(log)}': ENOENT (No such file or directory)", c.Reason);
        Assert.Null(c.Bytes);
    }

    [Fact]
    public async Task A_container_that_never_ran_has_no_file_yet_which_is_skipped()
    {
        var sink = new RecordingSink();
        await LogFiles.CaptureAsync(sink, Path.Combine(_dir.FullName, "ctr.log"), "k8s-file log driver", neverStarted: true, CaptureLimits.None, ThisHost, CancellationToken.None);
        var c = Assert.Single(sink.Items);
        Assert.Equal(EntryStatus.Skipped, c.Status);
        Assert.StartsWith("the container has never run", c.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_size_limit_applies_to_log_files()
    {
        string log = Write("ctr.log", new string('a', 10_000));
        var sink = new RecordingSink();
        await LogFiles.CaptureAsync(sink, log, "k8s-file log driver", neverStarted: false, new CaptureLimits { MaxFileSize = 100 }, ThisHost, CancellationToken.None);
        Assert.Equal(100, sink["files/ctr.log"].BytesRead);
    }

    [Theory]
    [InlineData("x.log.1", true)]
    [InlineData("x.log.1.gz", true)]
    [InlineData("x.log.", false)]
    [InlineData("x.log", false)]
    [InlineData("x.logs", false)]
    [InlineData("y.log.1", false)]
    public void Siblings_start_with_the_name_and_a_dot(string name, bool sibling) =>
        Assert.Equal(sibling, LogFiles.IsSibling(Encoding.ASCII.GetBytes(name), "x.log"u8));

    [Fact]
    public void Names_are_escaped_as_one_segment() =>
        Assert.Equal("files/a%2Fb%0A", LogFiles.ItemName("a/b\n"u8));
}
