using System.Text;
using ContainerForensics.Bolt;
using ContainerForensics.Core.DiskImages;
using Microsoft.Win32.SafeHandles;

namespace ContainerForensics.Containerd.Offline;

/// <summary>
/// containerd's metadata database (<c>io.containerd.metadata.v1.bolt/meta.db</c>) read from a disk
/// image through <see cref="BoltDatabase"/>, never written. Its layout (core/metadata/buckets.go):
/// <c>v1/version</c> (varint) and one bucket per namespace <c>v1/&lt;ns&gt;/</c> holding
/// <c>labels/</c>, <c>containers/&lt;id&gt;/</c>, <c>images/&lt;name&gt;/</c>, <c>snapshots/&lt;snapshotter&gt;/&lt;key&gt;/</c>,
/// <c>content/blob/&lt;digest&gt;/</c>, <c>content/ingests/</c>, <c>leases/&lt;id&gt;/</c>. containerd 2.x keeps
/// sandboxes in a top-level <c>&lt;ns&gt;/sandboxes/</c> bucket (outside v1). What cannot be read is
/// in <see cref="Problems"/>, and the rest is used.
/// </summary>
internal sealed class MetaDb : IDisposable
{
    public const string SchemaBucket = "v1";

    private readonly SafeFileHandle _file;

    private MetaDb(SafeFileHandle file, BoltDatabase db, string imagePath)
    {
        _file = file;
        Database = db;
        ImagePath = imagePath;
    }

    public BoltDatabase Database { get; }

    /// <summary>Where the file is in the image.</summary>
    public string ImagePath { get; }

    public IReadOnlyList<BoltProblem> Problems => Database.Problems;

    /// <summary>The database at <paramref name="imagePath"/>, or null with why not (absent, not a regular file, no usable meta page).</summary>
    public static MetaDb? Open(DiskImage image, string imagePath, out string? problem)
    {
        var file = image.OpenRead(imagePath, out problem);
        if (file is null)
        {
            return null;
        }
        try
        {
            var db = BoltDatabase.Open(file, image.Show(imagePath));
            return new MetaDb(file, db, imagePath);
        }
        catch (BoltFormatException ex)
        {
            file.Dispose();
            problem = ex.Message;
            return null;
        }
    }

    /// <summary>The <c>v1</c> bucket, or null (a problem says why when it was there but unreadable).</summary>
    public BoltBucket? Schema => Database.Root.Bucket(SchemaBucket);

    /// <summary><c>v1/version</c>: the minor schema version containerd migrated the database to.</summary>
    public long? SchemaVersion => Schema?.Get("version"u8) is { } v ? GoVarint.Signed(v) : null;

    /// <summary>Every namespace bucket under v1, in key order.</summary>
    public IEnumerable<(string Name, BoltBucket Bucket)> Namespaces()
    {
        if (Schema is not { } v1)
        {
            yield break;
        }
        foreach (var e in v1.Entries())
        {
            if (e.Bucket is { } b)
            {
                yield return (Text(e.Key), b);
            }
        }
    }

    /// <summary>The buckets at the top of the file other than v1 (containerd 2.x's per-namespace sandboxes; anything else is not containerd's).</summary>
    public IEnumerable<(string Name, BoltBucket Bucket)> OtherTopLevel()
    {
        foreach (var e in Database.Root.Entries())
        {
            if (e.Bucket is { } b && !e.Key.AsSpan().SequenceEqual("v1"u8))
            {
                yield return (Text(e.Key), b);
            }
        }
    }

    /// <summary>The containers of a namespace, decoded.</summary>
    public static IEnumerable<ContainerRecord> Containers(string ns, BoltBucket nsBucket)
    {
        if (nsBucket.Bucket("containers"u8) is not { } containers)
        {
            yield break;
        }
        foreach (var e in containers.Entries())
        {
            if (e.Bucket is { } b)
            {
                yield return ContainerRecord.Read(ns, Text(e.Key), b);
            }
        }
    }

    /// <summary>Entries walked at most by <see cref="Survey"/>: far more than a node's meta.db holds.</summary>
    public const int MaxSurveyEntries = 2_000_000;

    /// <summary>
    /// Reads every bucket and key once (at most <see cref="MaxSurveyEntries"/>), so that every page
    /// that cannot be read is in <see cref="Problems"/> before anything is collected: the
    /// acquisition record says what of the database was lost, not only what the listing met.
    /// False when the walk stopped at its bound.
    /// </summary>
    public bool Survey()
    {
        int budget = MaxSurveyEntries;
        return Walk(Database.Root, ref budget);
    }

    private static bool Walk(BoltBucket bucket, ref int budget)
    {
        foreach (var e in bucket.Entries())
        {
            if (--budget < 0)
            {
                return false;
            }
            if (e.Bucket is { } child && !Walk(child, ref budget))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// What the acquisition record says of the database: where it stands, and what could not be
    /// read (the pages, the first problem; each problem is also an error record and in
    /// <c>meta-db/database.json</c>).
    /// </summary>
    public string Describe(bool surveyed)
    {
        string text = $"txid {Database.TxId}, page size {Database.PageSize}, meta page {Database.MetaUsed}";
        var problems = Problems;
        if (problems.Count > 0)
        {
            var pages = problems.Where(p => p.PageId is not null).Select(p => p.PageId!.Value).Distinct().Order().ToList();
            string where = pages.Count == 0 ? "" : $"page{(pages.Count == 1 ? "" : "s")} {string.Join(", ", pages.Take(20))}{(pages.Count > 20 ? $" and {pages.Count - 20} more" : "")}; ";
            var first = problems[0];
            text += $"; unreadable: {where}{problems.Count} problem{(problems.Count == 1 ? "" : "s")}, the first: {(first.PageId is { } id ? $"page {id}, " : "")}{first.Where}: {first.Reason}; " +
                "what those pages held is not read (every problem is an error record and in meta-db/database.json)";
        }
        if (!surveyed)
        {
            text += $"; more than {MaxSurveyEntries} entries: the rest was read only as the collection needed it";
        }
        return text;
    }

    /// <summary>UTF-8 as text; invalid bytes become U+FFFD (the raw bytes stay in the record's raw tree).</summary>
    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    public void Dispose()
    {
        Database.Dispose();
        _file.Dispose();
    }
}
