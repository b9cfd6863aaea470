using System.Text;
using ContainerForensics.Bolt;
using ContainerForensics.Core.Evidence;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace ContainerForensics.Containerd.Offline;

/// <summary>
/// One container's bucket of meta.db (<c>v1/&lt;ns&gt;/containers/&lt;id&gt;/</c>), decoded as containerd's
/// <c>readContainer</c> does (core/metadata/containers.go): <c>image</c>, <c>snapshotter</c>,
/// <c>snapshotKey</c>, <c>sandboxid</c> are strings; <c>spec</c> and <c>runtime/options</c> are
/// marshalled <c>google.protobuf.Any</c>; <c>extensions/&lt;name&gt;</c> each an Any; <c>labels/</c>
/// strings; <c>createdat</c>/<c>updatedat</c> Go binary times. A field that does not decode is
/// left null and named in <see cref="Problems"/>; the bucket itself stays for the raw record.
/// </summary>
internal sealed class ContainerRecord
{
    private ContainerRecord(string ns, string id, BoltBucket bucket)
    {
        Namespace = ns;
        Id = id;
        Bucket = bucket;
    }

    public string Namespace { get; }

    public string Id { get; }

    public BoltBucket Bucket { get; }

    public string? Image { get; private set; }

    public string? Snapshotter { get; private set; }

    public string? SnapshotKey { get; private set; }

    public string? SandboxId { get; private set; }

    public string? RuntimeName { get; private set; }

    public Any? RuntimeOptions { get; private set; }

    public Any? Spec { get; private set; }

    public UnixTime? CreatedAt { get; private set; }

    public UnixTime? UpdatedAt { get; private set; }

    public Dictionary<string, string> Labels { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, Any?> Extensions { get; } = new(StringComparer.Ordinal);

    public List<string> Problems { get; } = [];

    public static ContainerRecord Read(string ns, string id, BoltBucket bucket)
    {
        var r = new ContainerRecord(ns, id, bucket);
        foreach (var e in bucket.Entries())
        {
            string key = MetaDb.Text(e.Key);
            switch (key)
            {
                case "image" when e.Value is { } v:
                    r.Image = Text(v);
                    break;
                case "snapshotter" when e.Value is { } v:
                    r.Snapshotter = Text(v);
                    break;
                case "snapshotKey" when e.Value is { } v:
                    r.SnapshotKey = Text(v);
                    break;
                case "sandboxid" when e.Value is { } v:
                    r.SandboxId = Text(v);
                    break;
                case "spec" when e.Value is { } v:
                    r.Spec = r.AnyOf("spec", v);
                    break;
                case "createdat" when e.Value is { } v:
                    r.CreatedAt = r.TimeOf("createdat", v);
                    break;
                case "updatedat" when e.Value is { } v:
                    r.UpdatedAt = r.TimeOf("updatedat", v);
                    break;
                case "runtime" when e.Bucket is { } b:
                    r.RuntimeName = b.Get("name"u8) is { } n ? Text(n) : null;
                    r.RuntimeOptions = b.Get("options"u8) is { } o ? r.AnyOf("runtime/options", o) : null;
                    break;
                case "labels" when e.Bucket is { } b:
                    ReadLabels(b, r.Labels);
                    break;
                case "extensions" when e.Bucket is { } b:
                    foreach (var x in b.Entries())
                    {
                        if (x.Value is { } xv)
                        {
                            r.Extensions[MetaDb.Text(x.Key)] = r.AnyOf("extensions/" + MetaDb.Text(x.Key), xv);
                        }
                    }
                    break;
                default:
                    break; // kept in the raw record
            }
        }
        return r;
    }

    /// <summary>A <c>labels/</c> bucket: every key a string value (containerd writes no empty ones).</summary>
    public static void ReadLabels(BoltBucket labels, Dictionary<string, string> into)
    {
        foreach (var l in labels.Entries())
        {
            if (l.Value is { } lv)
            {
                into[MetaDb.Text(l.Key)] = Text(lv);
            }
        }
    }

    /// <summary>The CRI plugin's metadata of this container or sandbox (an extension whose Any value is JSON), or null.</summary>
    public byte[]? CriMetadataJson =>
        (Extensions.GetValueOrDefault(CriExtensionContainer) ?? Extensions.GetValueOrDefault(CriExtensionSandbox)) is { } any
            ? any.Value.ToByteArray() : null;

    /// <summary>The extension containerd's CRI plugin (1.x) keeps a container's CRI metadata in: JSON of its store's Metadata.</summary>
    public const string CriExtensionContainer = "io.cri-containerd.container.metadata";

    public const string CriExtensionSandbox = "io.cri-containerd.sandbox.metadata";

    private Any? AnyOf(string field, byte[] value)
    {
        try
        {
            return Any.Parser.ParseFrom(value);
        }
        catch (InvalidProtocolBufferException ex)
        {
            Problems.Add($"{field}: not a protobuf Any ({value.Length} bytes): {ex.Message}");
            return null;
        }
    }

    private UnixTime? TimeOf(string field, byte[] value)
    {
        var t = GoTime.Decode(value, out string? problem);
        if (t is null)
        {
            Problems.Add($"{field}: not a Go binary time: {problem}");
        }
        return t;
    }

    private static string Text(byte[] v) => Encoding.UTF8.GetString(v);
}
