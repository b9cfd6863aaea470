using ContainerForensics.Bolt.Reading;
using Microsoft.Win32.SafeHandles;

namespace ContainerForensics.Bolt;

/// <summary>
/// A bbolt (boltdb) database file read without bbolt and without writing: for the engines' databases found on a
/// disk image (containerd's meta.db and snapshotter metadata.db, Podman's bolt_state.db), which may be torn or
/// tampered with. The format facts relied on are listed in <see cref="BoltFormat"/>.
/// <para>
/// Open picks the meta page bbolt would (<a href="https://github.com/etcd-io/bbolt/blob/main/db.go">db.go</a>
/// <c>DB.meta</c>: the valid one with the higher txid), with one forensic addition: when that meta's root page is
/// not a branch or leaf page of that id (a copy torn between a commit's pages and its meta), the other valid meta is
/// used, and a problem says so. Everything else unreadable is recorded in <see cref="Problems"/> as the tree is read.
/// </para>
/// </summary>
public sealed class BoltDatabase : IDisposable
{
    private readonly PageStore _store;

    private BoltDatabase(PageStore store, string name, long fileLength)
    {
        _store = store;
        Name = name;
        FileLength = fileLength;
        Root = BoltBucket.Root(store);
    }

    /// <summary>What the caller called the file, for messages.</summary>
    public string Name { get; }

    public long FileLength { get; }

    public uint PageSize => _store.Meta.PageSize;

    /// <summary>The transaction id of the meta used: the last transaction committed in what was read.</summary>
    public ulong TxId => _store.Meta.TxId;

    /// <summary>The meta page used, 0 or 1.</summary>
    public int MetaUsed => _store.Meta.Index;

    /// <summary>The first page id never allocated, per the meta used.</summary>
    public ulong HighWaterMark => _store.Meta.HighWaterMark;

    /// <summary>The freelist's page per the meta used (ulong.MaxValue when bbolt does not persist it).</summary>
    public ulong FreelistPageId => _store.Meta.FreelistPageId;

    public BoltBucket Root { get; }

    /// <summary>Everything that could not be read so far; grows as buckets are read.</summary>
    public IReadOnlyList<BoltProblem> Problems => _store.Problems;

    /// <summary>
    /// Opens a database through <paramref name="file"/>, which the caller opened read-only and keeps open (and
    /// closes) itself; nothing past the length it has now is read. Throws <see cref="BoltFormatException"/> only
    /// when neither meta page is usable (or the handle cannot be read at all: a pipe, no read access).
    /// <para>
    /// On a live host the engine may hold bbolt's exclusive flock on its database (containerd does, for as long as
    /// it runs; Podman 4 only during each operation). .NET's <c>File.OpenHandle</c> takes a shared flock and then
    /// fails with a sharing violation; open such a file without .NET's locking (the System.IO.DisableFileLocking
    /// switch, or DOTNET_SYSTEM_IO_DISABLEFILELOCKING=1), or read a copy.
    /// </para>
    /// </summary>
    public static BoltDatabase Open(SafeFileHandle file, string name, BoltLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(file.IsClosed, file);
        FileBoltSource source;
        try
        {
            source = new FileBoltSource(file);
        }
        catch (Exception ex) when (ex is IOException or NotSupportedException or UnauthorizedAccessException)
        {
            throw new BoltFormatException($"{name}: not a file whose length and pages can be read: {ex.Message}", ex);
        }
        return Open(source, name, limits);
    }

    internal static BoltDatabase Open(BoltSource source, string name, BoltLimits? limits = null)
    {
        limits ??= BoltLimits.Default;
        var metas = MetaPages.Read(source, (uint)Math.Max(BoltFormat.MinPageSize, limits.MaxPageSize));
        var chosen = metas.Choose(source, out var notes);
        if (chosen is null)
        {
            throw new BoltFormatException($"{name}: no usable meta page: {string.Join("; ", notes.Select(n => n.Reason))}");
        }
        var store = new PageStore(source, chosen, limits);
        foreach (var note in notes)
        {
            store.Problem(note.PageId, note.Where, note.Reason);
        }
        return new BoltDatabase(store, name, source.Length);
    }

    public override string ToString() => $"{Name} (page size {PageSize}, txid {TxId}, meta {MetaUsed})";

    public void Dispose() => _store.Dispose();
}
