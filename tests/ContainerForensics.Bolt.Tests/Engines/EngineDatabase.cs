using Microsoft.Win32.SafeHandles;

namespace ContainerForensics.Bolt.Tests.Engines;

/// <summary>
/// A copy of an engine's live database, made with cp as an investigator would take it from a running host, opened
/// read-only through a handle as cfir opens files on an image. Not File.Copy: .NET takes a shared flock on what it
/// opens, and containerd holds bbolt's exclusive flock on meta.db while it runs, so .NET cannot open that file at all.
/// bbolt writes a commit's pages before its meta, so a copy reads a committed state; another engineer's test
/// committing during the copy can still tear it, so the copy is retried until it reads without problems and holds
/// what the test made.
/// </summary>
internal sealed class EngineDatabase : IDisposable
{
    public const string ContainerdMeta = "/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db";
    public const string OverlayfsMetadata = "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/metadata.db";
    public const string PodmanState = "/var/lib/containers/storage/libpod/bolt_state.db";

    private readonly SafeFileHandle _handle;

    private EngineDatabase(string copy, SafeFileHandle handle, BoltDatabase db)
    {
        CopyPath = copy;
        _handle = handle;
        Db = db;
    }

    public string CopyPath { get; }

    public BoltDatabase Db { get; }

    public static EngineDatabase Copy(string live, Func<BoltDatabase, bool>? holds = null)
    {
        for (int attempt = 1; ; attempt++)
        {
            string copy = Path.Combine(Path.GetTempPath(), $"cfir-bolt-{Guid.NewGuid():N}-{Path.GetFileName(live)}");
            Cli.RunAsync("cp", ["--", live, copy]).GetAwaiter().GetResult();
            var handle = File.OpenHandle(copy, FileMode.Open, FileAccess.Read);
            var db = BoltDatabase.Open(handle, live);
            var opened = new EngineDatabase(copy, handle, db);
            CountAll(db.Root);
            if (attempt == 5 || (db.Problems.Count == 0 && (holds is null || holds(db))))
            {
                return opened;
            }
            opened.Dispose();
            Thread.Sleep(200);
        }
    }

    public static long CountAll(BoltBucket bucket) => bucket.Entries().Sum(e => 1 + (e.Bucket is { } b ? CountAll(b) : 0));

    public void Dispose()
    {
        Db.Dispose();
        _handle.Dispose();
        File.Delete(CopyPath);
    }
}
