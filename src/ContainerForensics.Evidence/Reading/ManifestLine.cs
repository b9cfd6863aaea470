using System.Text.Json;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Evidence.Manifest;

namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// One line of manifest/manifest.jsonl, typed (docs/evidence-format.md, "The manifest"). A field
/// the line lacks, or that could not be read (reported as a <see cref="ReaderProblem"/>), is null.
/// Kind and status stay text: a later 1.x may add values, and a reader must still show them.
/// </summary>
public sealed record ManifestLine
{
    /// <summary>The line's number in manifest.jsonl, from 1.</summary>
    public long Line { get; init; }

    /// <summary>Archive path (escaped), whole even when the member has a short name.</summary>
    public string? Path { get; init; }

    /// <summary><c>file</c>, <c>directory</c>, <c>symlink</c>, <c>hardlink</c>, <c>chardevice</c>, <c>blockdevice</c>, <c>fifo</c>, <c>socket</c>, <c>whiteout</c>.</summary>
    public string? Kind { get; init; }

    /// <summary><c>collected</c>, <c>partial</c>, <c>truncated</c>, <c>skipped</c>, <c>failed</c>, <c>missing</c>.</summary>
    public string? Status { get; init; }

    public string? Reason { get; init; }

    public int? Errno { get; init; }

    /// <summary>Whether a member exists for the entry (false: a record only).</summary>
    public bool? Member { get; init; }

    /// <summary>The member's name where it differs from <see cref="Path"/> (whiteouts, short names of long paths).</summary>
    public string? MemberName { get; init; }

    public ManifestSource? Source { get; init; }

    /// <summary>Permission and special bits (written in octal).</summary>
    public uint? Mode { get; init; }

    public long? Uid { get; init; }

    public long? Gid { get; init; }

    public string? User { get; init; }

    public string? Group { get; init; }

    /// <summary>Size on the source (apparent size for a sparse file).</summary>
    public long? Size { get; init; }

    /// <summary>Logical size of the member.</summary>
    public long? StoredSize { get; init; }

    public long? BytesRead { get; init; }

    public string? Sha256 { get; init; }

    public string? Sha1 { get; init; }

    public string? Md5 { get; init; }

    public UnixTime? ModifiedTime { get; init; }

    public UnixTime? AccessTime { get; init; }

    public UnixTime? ChangeTime { get; init; }

    public UnixTime? BirthTime { get; init; }

    /// <summary>Symlink target, byte-exact (from <c>linkTarget</c> or <c>linkTargetBase64</c>).</summary>
    public byte[]? LinkTarget { get; init; }

    /// <summary>The first name of a hard-linked file.</summary>
    public string? HardLinkTo { get; init; }

    public DeviceNumbers? Device { get; init; }

    public ulong? Inode { get; init; }

    public ulong? LinkCount { get; init; }

    /// <summary>Extended attributes with their raw values, in the order written.</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>>? Xattrs { get; init; }

    /// <summary>Data segments of a sparse file.</summary>
    public IReadOnlyList<DataSegment>? Sparse { get; init; }

    /// <summary>Zero-filled ranges that could not be read.</summary>
    public IReadOnlyList<DataSegment>? Unreadable { get; init; }

    public bool ChangedWhileRead { get; init; }

    public ManifestStreamPart? StreamPart { get; init; }

    public UnixTime? CollectedAt { get; init; }

    /// <summary>Byte offset of the member in the tar stream (zip: in the raw stream).</summary>
    public long? Offset { get; init; }

    /// <summary>The name of the member that holds this entry, or null when it has none.</summary>
    public string? MemberPath => Member == true ? MemberName ?? Path : null;

    /// <summary>Reads one line; null when it is not a JSON object at all (then <paramref name="unreadable"/> says why).</summary>
    internal static ManifestLine? Parse(ReadOnlySpan<byte> json, long line, Action<string, string> problem, Action<string> unreadable) =>
        JsonFields.Read(json, f => new ManifestLine
        {
            Line = line,
            Path = f.String(ManifestFields.Path, required: true),
            Kind = f.String(ManifestFields.Kind, required: true),
            Status = f.String(ManifestFields.Status, required: true),
            Reason = f.String(ManifestFields.Reason),
            Errno = f.Int32(ManifestFields.Errno),
            Member = f.Bool(ManifestFields.Member, required: true),
            MemberName = f.String(ManifestFields.MemberName),
            Source = f.Object(ManifestFields.Source) is { } s ? ManifestSource.From(s) : null,
            Mode = f.Octal(ManifestFields.Mode),
            Uid = f.Int64(ManifestFields.Uid),
            Gid = f.Int64(ManifestFields.Gid),
            User = f.String(ManifestFields.User),
            Group = f.String(ManifestFields.Group),
            Size = f.Int64(ManifestFields.Size),
            StoredSize = f.Int64(ManifestFields.StoredSize),
            BytesRead = f.Int64(ManifestFields.BytesRead),
            Sha256 = f.String(ManifestFields.Sha256),
            Sha1 = f.String(ManifestFields.Sha1),
            Md5 = f.String(ManifestFields.Md5),
            ModifiedTime = f.Time(ManifestFields.ModifiedTime),
            AccessTime = f.Time(ManifestFields.AccessTime),
            ChangeTime = f.Time(ManifestFields.ChangeTime),
            BirthTime = f.Time(ManifestFields.BirthTime),
            LinkTarget = f.TextOrBase64(ManifestFields.LinkTarget, ManifestFields.Base64Suffix),
            HardLinkTo = f.String(ManifestFields.HardLinkTo),
            Device = f.Object(ManifestFields.Device) is { } d ? DeviceNumbers.From(d) : null,
            Inode = f.UInt64(ManifestFields.Inode),
            LinkCount = f.UInt64(ManifestFields.LinkCount),
            Xattrs = f.Base64Map(ManifestFields.Xattrs),
            Sparse = f.Ranges(ManifestFields.Sparse),
            Unreadable = f.Ranges(ManifestFields.Unreadable),
            ChangedWhileRead = f.Bool(ManifestFields.ChangedWhileRead) ?? false,
            StreamPart = f.Object(ManifestFields.StreamPart) is { } p ? ManifestStreamPart.From(p) : null,
            CollectedAt = f.Time(ManifestFields.CollectedAt, required: true),
            Offset = f.Int64(ManifestFields.Offset),
        }, problem, unreadable);

    /// <summary>The names <see cref="ParseBrief"/> looks for, as the bytes of the line.</summary>
    private static class Brief
    {
        public static readonly byte[] Path = Utf8(ManifestFields.Path), Kind = Utf8(ManifestFields.Kind), Status = Utf8(ManifestFields.Status),
            Member = Utf8(ManifestFields.Member), MemberName = Utf8(ManifestFields.MemberName), Mode = Utf8(ManifestFields.Mode),
            Size = Utf8(ManifestFields.Size), Sha256 = Utf8(ManifestFields.Sha256), ModifiedTime = Utf8(ManifestFields.ModifiedTime);

        private static byte[] Utf8(string name) => System.Text.Encoding.UTF8.GetBytes(name);
    }

    /// <summary>
    /// The fields a triage reads (<see cref="ArchiveReaderOptions.BriefManifest"/>), with a
    /// forward-only reader over the line's bytes: no document, no copy, no name strings; every
    /// other property, nested objects and arrays included, is skipped. A wanted field of another
    /// type than the format's is left null. Null, and <paramref name="unreadable"/> told why, when
    /// the line is not a JSON object.
    /// </summary>
    internal static ManifestLine? ParseBrief(ReadOnlySpan<byte> json, long line, Action<string> unreadable)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                unreadable("it is not a JSON object");
                return null;
            }
            string? path = null, kind = null, status = null, memberName = null, sha256 = null, mode = null, mtime = null;
            bool? member = null;
            long? size = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                bool escapedName = reader.ValueIsEscaped;
                reader.Read();
                if (escapedName)
                {
                    // cfir writes its names plainly; an escaped name is nobody's field here.
                    reader.Skip();
                    continue;
                }
                switch (reader.TokenType)
                {
                    case JsonTokenType.String when name.SequenceEqual(Brief.Path):
                        path = reader.GetString();
                        break;
                    case JsonTokenType.String when name.SequenceEqual(Brief.Kind):
                        kind = reader.GetString();
                        break;
                    case JsonTokenType.String when name.SequenceEqual(Brief.Status):
                        status = reader.GetString();
                        break;
                    case JsonTokenType.String when name.SequenceEqual(Brief.MemberName):
                        memberName = reader.GetString();
                        break;
                    case JsonTokenType.String when name.SequenceEqual(Brief.Sha256):
                        sha256 = reader.GetString();
                        break;
                    case JsonTokenType.String when name.SequenceEqual(Brief.Mode):
                        mode = reader.GetString();
                        break;
                    case JsonTokenType.String when name.SequenceEqual(Brief.ModifiedTime):
                        mtime = reader.GetString();
                        break;
                    case JsonTokenType.True or JsonTokenType.False when name.SequenceEqual(Brief.Member):
                        member = reader.GetBoolean();
                        break;
                    case JsonTokenType.Number when name.SequenceEqual(Brief.Size):
                        size = reader.TryGetInt64(out long n) ? n : null;
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
            return new ManifestLine
            {
                Line = line,
                Path = path,
                Kind = kind,
                Status = status,
                Member = member,
                MemberName = memberName,
                Mode = mode is not null && JsonFields.TryOctal(mode, out uint bits) ? bits : null,
                Size = size,
                Sha256 = sha256,
                ModifiedTime = mtime is not null && UnixTime.TryParseIso8601(mtime, out var t) ? t : null,
            };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            unreadable(ex.Message);
            return null;
        }
    }
}

/// <summary>Where an entry came from: the runtime, the container, the original path's bytes, what was read.</summary>
public sealed record ManifestSource(string? Runtime, string? ContainerId, string? ContainerName, byte[]? Path, string? Description)
{
    /// <summary>For evidence of a nested runtime or its containers: the containers it is nested in, outermost first.</summary>
    public IReadOnlyList<NestingLinkLine>? NestedIn { get; init; }

    internal static ManifestSource From(JsonFields f) => new(
        f.String(ManifestFields.InSource.Runtime),
        f.String(ManifestFields.InSource.ContainerId),
        f.String(ManifestFields.InSource.ContainerName),
        f.TextOrBase64(ManifestFields.InSource.Path, ManifestFields.Base64Suffix),
        f.String(ManifestFields.InSource.Description))
    {
        NestedIn = NestingLinkLine.Chain(f),
    };
}

/// <summary>A device node's numbers.</summary>
public sealed record DeviceNumbers(uint Major, uint Minor)
{
    internal static DeviceNumbers? From(JsonFields f) =>
        f.UInt32(ManifestFields.InDevice.Major, required: true) is { } major && f.UInt32(ManifestFields.InDevice.Minor, required: true) is { } minor
            ? new DeviceNumbers(major, minor)
            : null;
}

/// <summary>One part of a stream stored in parts (docs/evidence-format.md, "Streams in parts").</summary>
public sealed record ManifestStreamPart(int Number, string First, string? Next, string? WholeSha256, long? WholeSize)
{
    internal static ManifestStreamPart? From(JsonFields f)
    {
        int? number = f.Int32(ManifestFields.InStreamPart.Number, required: true);
        string? first = f.String(ManifestFields.InStreamPart.First, required: true);
        string? next = f.String(ManifestFields.InStreamPart.Next);
        string? wholeSha = f.String(ManifestFields.InStreamPart.WholeSha256);
        long? wholeSize = f.Int64(ManifestFields.InStreamPart.WholeSize);
        return number is { } n && first is not null ? new ManifestStreamPart(n, first, next, wholeSha, wholeSize) : null;
    }
}
