using System.Text;
using System.Text.Json;
using ContainerForensics.Bolt;

namespace ContainerForensics.Containerd.Offline;

/// <summary>
/// Buckets of containerd's bbolt files as JSON evidence, two ways:
/// <list type="bullet">
/// <item><see cref="WriteRaw"/>: every key and value as stored, in key order, values base64
/// (byte-exact), nested buckets as nested arrays; a key that is not UTF-8 is also given in base64;</item>
/// <item><see cref="WriteDecoded"/>: an object per bucket, values decoded by containerd's conventions
/// for their key (<c>createdat</c>, <c>updatedat</c>, <c>expireat</c>: Go binary times as UTC
/// ISO-8601 with nanoseconds; <c>size</c>, <c>inodes</c>, <c>version</c>: signed varints; <c>id</c>:
/// an unsigned varint; <c>kind</c>: a snapshot kind), each decoded value's bytes beside it as
/// <c>"&lt;key&gt;.raw"</c> (base64); any other value is a string when it is UTF-8, else
/// <c>{"base64": ...}</c>.</item>
/// </list>
/// Both stop after <see cref="MaxEntries"/> entries of one document and say so: an image can hold
/// a database of any size.
/// </summary>
internal static class BoltJson
{
    public const int MaxEntries = 200_000;

    private static readonly UTF8Encoding Strict = new(false, true);

    public static void WriteRaw(Utf8JsonWriter w, BoltBucket bucket, ref int budget)
    {
        w.WriteStartArray();
        foreach (var e in bucket.Entries())
        {
            if (--budget < 0)
            {
                w.WriteStartObject();
                w.WriteString("truncated", $"more than {MaxEntries} entries: the rest is left out of this document (the database file itself is in the archive)");
                w.WriteEndObject();
                break;
            }
            w.WriteStartObject();
            WriteKey(w, e.Key);
            if (e.Bucket is { } b)
            {
                w.WritePropertyName("bucket");
                WriteRaw(w, b, ref budget);
            }
            else
            {
                w.WriteBase64String("value", e.Value);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    public static void WriteDecoded(Utf8JsonWriter w, BoltBucket bucket, ref int budget)
    {
        w.WriteStartObject();
        foreach (var e in bucket.Entries())
        {
            if (--budget < 0)
            {
                w.WriteString("…truncated", $"more than {MaxEntries} entries: the rest is left out of this document (the database file itself is in the archive)");
                break;
            }
            string key = MetaDb.Text(e.Key);
            if (e.Bucket is { } b)
            {
                w.WritePropertyName(key);
                WriteDecoded(w, b, ref budget);
                continue;
            }
            WriteValue(w, key, e.Value!);
        }
        w.WriteEndObject();
    }

    /// <summary>One value, decoded by its key's convention, its bytes beside it when decoding changed their form.</summary>
    public static void WriteValue(Utf8JsonWriter w, string key, byte[] value)
    {
        switch (key)
        {
            case "createdat" or "updatedat" or "expireat" when GoTime.Decode(value, out _) is { } t:
                w.WriteString(key, t.ToIso8601());
                break;
            case "size" or "inodes" or "version" when GoVarint.Signed(value) is { } n:
                w.WriteNumber(key, n);
                break;
            case "id" when GoVarint.Unsigned(value) is { } id:
                w.WriteNumber(key, id);
                break;
            case "kind" when value.Length == 1:
                w.WriteString(key, SnapshotKinds.Name(value[0]));
                break;
            default:
                WriteText(w, key, value);
                return;
        }
        w.WriteBase64String(key + ".raw", value);
    }

    /// <summary>A string when the bytes are UTF-8 (JSON keeps them exactly), else <c>{"base64": ...}</c>.</summary>
    public static void WriteText(Utf8JsonWriter w, string name, byte[] value)
    {
        if (IsUtf8(value))
        {
            w.WriteString(name, Encoding.UTF8.GetString(value));
            return;
        }
        w.WriteStartObject(name);
        w.WriteBase64String("base64", value);
        w.WriteEndObject();
    }

    private static void WriteKey(Utf8JsonWriter w, byte[] key)
    {
        w.WriteString("key", Encoding.UTF8.GetString(key));
        if (!IsUtf8(key))
        {
            w.WriteBase64String("keyBase64", key);
        }
    }

    public static bool IsUtf8(byte[] bytes)
    {
        try
        {
            Strict.GetCharCount(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
