using System.Buffers;
using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Collection.Nesting;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Evidence.Manifest;

/// <summary>Writes manifest and error records as JSON lines, one object per line.</summary>
internal sealed class ManifestWriter : IDisposable
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);
    private readonly Stream _output;
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private readonly Utf8JsonWriter _json;

    public ManifestWriter(Stream output)
    {
        _output = output;
        // Each record is built in memory and copied into the (buffered) spool: flushing the JSON
        // writer straight into the file stream would cost one write(2) per entry.
        _json = new Utf8JsonWriter(_line, EvidenceJsonOptions.Compact);
    }

    public void Write(ManifestRecord r)
    {
        var e = r.Entry;
        var m = e.Metadata;
        Begin();
        _json.WriteString(ManifestFields.Path, r.Path.Value);
        _json.WriteString(ManifestFields.Kind, r.Kind);
        _json.WriteString(ManifestFields.Status, StatusName(r.Status));
        WriteOptional(ManifestFields.Reason, r.Reason);
        if (r.Errno is { } errno)
        {
            _json.WriteNumber(ManifestFields.Errno, errno);
        }
        _json.WriteBoolean(ManifestFields.Member, r.Member is not null);
        if (r.Member is not null && r.Member != r.Path.Value)
        {
            _json.WriteString(ManifestFields.MemberName, r.Member);
        }

        _json.WriteStartObject(ManifestFields.Source);
        WriteOptional(ManifestFields.InSource.Runtime, e.Source.Runtime);
        WriteOptional(ManifestFields.InSource.ContainerId, e.Source.ContainerId);
        WriteOptional(ManifestFields.InSource.ContainerName, e.Source.ContainerName);
        NestingJson.WriteChain(_json, e.Source.NestedIn);
        WriteBytes(ManifestFields.InSource.Path, e.Source.OriginalPath);
        WriteOptional(ManifestFields.InSource.Description, e.Source.Description);
        _json.WriteEndObject();

        if (m.Mode is { } mode)
        {
            _json.WriteString(ManifestFields.Mode, Convert.ToString(mode, 8).PadLeft(4, '0'));
        }
        WriteNumber(ManifestFields.Uid, m.Uid);
        WriteNumber(ManifestFields.Gid, m.Gid);
        WriteOptional(ManifestFields.User, m.UserName);
        WriteOptional(ManifestFields.Group, m.GroupName);
        WriteNumber(ManifestFields.Size, m.Size);
        WriteNumber(ManifestFields.StoredSize, r.StoredSize);
        _json.WriteNumber(ManifestFields.BytesRead, r.BytesRead);
        if (r.Digests is { } d)
        {
            _json.WriteString(ManifestFields.Sha256, d.Sha256);
            WriteOptional(ManifestFields.Sha1, d.Sha1);
            WriteOptional(ManifestFields.Md5, d.Md5);
        }
        WriteTime(ManifestFields.ModifiedTime, m.ModifiedTime);
        WriteTime(ManifestFields.AccessTime, m.AccessTime);
        WriteTime(ManifestFields.ChangeTime, m.ChangeTime);
        WriteTime(ManifestFields.BirthTime, m.BirthTime);
        WriteBytes(ManifestFields.LinkTarget, m.LinkTarget);
        WriteOptional(ManifestFields.HardLinkTo, r.HardLinkTo);
        if (m.DeviceMajor is not null || m.DeviceMinor is not null)
        {
            _json.WriteStartObject(ManifestFields.Device);
            _json.WriteNumber(ManifestFields.InDevice.Major, m.DeviceMajor ?? 0);
            _json.WriteNumber(ManifestFields.InDevice.Minor, m.DeviceMinor ?? 0);
            _json.WriteEndObject();
        }
        if (m.Inode is { } ino)
        {
            _json.WriteNumber(ManifestFields.Inode, ino);
        }
        if (m.LinkCount is { } nlink)
        {
            _json.WriteNumber(ManifestFields.LinkCount, nlink);
        }
        if (m.ExtendedAttributes.Count > 0)
        {
            _json.WriteStartObject(ManifestFields.Xattrs);
            foreach (var (key, value) in m.ExtendedAttributes)
            {
                _json.WriteString(key, Convert.ToBase64String(value));
            }
            _json.WriteEndObject();
        }
        if (r.Segments is { } segments)
        {
            WriteRanges(ManifestFields.Sparse, segments);
        }
        if (r.Unreadable.Count > 0)
        {
            WriteRanges(ManifestFields.Unreadable, r.Unreadable);
        }
        if (r.ChangedWhileRead)
        {
            _json.WriteBoolean(ManifestFields.ChangedWhileRead, true);
        }
        if (r.Part is { } part)
        {
            _json.WriteStartObject(ManifestFields.StreamPart);
            _json.WriteNumber(ManifestFields.InStreamPart.Number, part.Number);
            _json.WriteString(ManifestFields.InStreamPart.First, part.First);
            WriteOptional(ManifestFields.InStreamPart.Next, part.Next);
            WriteOptional(ManifestFields.InStreamPart.WholeSha256, part.WholeSha256);
            WriteNumber(ManifestFields.InStreamPart.WholeSize, part.WholeSize);
            _json.WriteEndObject();
        }
        WriteTime(ManifestFields.CollectedAt, r.CollectedAt);
        _json.WriteNumber(ManifestFields.Offset, r.HeaderOffset);
        End();
    }

    public void Write(ErrorRecord error)
    {
        Begin();
        _json.WriteString(ErrorFields.Scope, error.Scope);
        _json.WriteString(ErrorFields.Message, error.Message);
        WriteOptional(ErrorFields.Path, error.Path);
        WriteOptional(ErrorFields.Runtime, error.Runtime);
        WriteOptional(ErrorFields.ContainerId, error.ContainerId);
        NestingJson.WriteChain(_json, error.NestedIn);
        if (error.Errno is { } errno)
        {
            _json.WriteNumber(ErrorFields.Errno, errno);
        }
        WriteOptional(ErrorFields.Exception, error.ExceptionType);
        WriteTime(ErrorFields.At, error.At);
        End();
    }

    private void Begin()
    {
        _line.ResetWrittenCount();
        _json.Reset(_line);
        _json.WriteStartObject();
    }

    private void End()
    {
        _json.WriteEndObject();
        _json.Flush();
        _output.Write(_line.WrittenSpan);
        _output.WriteByte((byte)'\n');
    }

    public static string StatusName(EntryStatus status) => status.ToString().ToLowerInvariant();

    public static string KindName(EntryKind kind) => kind switch
    {
        EntryKind.File => "file",
        EntryKind.Directory => "directory",
        EntryKind.Symlink => "symlink",
        EntryKind.HardLink => "hardlink",
        EntryKind.CharDevice => "chardevice",
        EntryKind.BlockDevice => "blockdevice",
        EntryKind.Fifo => "fifo",
        EntryKind.Socket => "socket",
        EntryKind.Whiteout => "whiteout",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private void WriteRanges(string name, IReadOnlyList<DataSegment> ranges)
    {
        _json.WriteStartArray(name);
        foreach (var s in ranges)
        {
            _json.WriteStartArray();
            _json.WriteNumberValue(s.Offset);
            _json.WriteNumberValue(s.Length);
            _json.WriteEndArray();
        }
        _json.WriteEndArray();
    }

    private void WriteOptional(string name, string? value)
    {
        if (value is not null)
        {
            _json.WriteString(name, value);
        }
    }

    private void WriteNumber(string name, long? value)
    {
        if (value is { } v)
        {
            _json.WriteNumber(name, v);
        }
    }

    private void WriteTime(string name, UnixTime? value)
    {
        if (value is { } t)
        {
            Span<char> text = stackalloc char[UnixTime.Iso8601Length];
            if (t.TryFormatIso8601(text))
            {
                _json.WriteString(name, text);
            }
            else
            {
                _json.WriteString(name, t.ToIso8601());
            }
        }
    }

    /// <summary>Byte-exact: as text when the bytes are UTF-8, else base64 under "&lt;name&gt;Base64".</summary>
    private void WriteBytes(string name, byte[]? bytes)
    {
        if (bytes is null)
        {
            return;
        }
        try
        {
            _json.WriteString(name, StrictUtf8.GetString(bytes));
        }
        catch (DecoderFallbackException)
        {
            _json.WriteString(name + ManifestFields.Base64Suffix, Convert.ToBase64String(bytes));
        }
    }

    public void Dispose() => _json.Dispose();
}
