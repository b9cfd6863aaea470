using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Evidence.Output;
using ContainerForensics.Evidence.Verify;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>Builds archives in memory through the real writer, and reads their closing records back.</summary>
internal static class ArchiveKit
{
    public static async Task<byte[]> BuildAsync(ArchiveFormat format, Func<EvidenceArchiveWriter, Task> fill, SealRequest? seal = null, string? password = null,
        int pathKeysInMemory = ArchivePathSet.DefaultKeysInMemory, ExtraHashes extraHashes = ExtraHashes.None, Stream? streamTap = null)
    {
        var buffer = new MemoryStream();
        await using (var writer = EvidenceArchiveWriter.Create(ArchiveOutput.ToStdout(new NonClosingStream(buffer)),
                         new EvidenceArchiveOptions { Format = format, ZipPassword = password, ToolVersion = "test", PathKeysInMemory = pathKeysInMemory, ExtraHashes = extraHashes, StreamTap = streamTap }))
        {
            await fill(writer);
            await writer.SealAsync(seal ?? new SealRequest(), CancellationToken.None);
        }
        return buffer.ToArray();
    }

    public static ArchiveEntry Bytes(string path, string text, EntryMetadata? metadata = null) => new()
    {
        Path = ArchivePath.Parse(path),
        Content = EvidenceContent.FromBytes(Encoding.UTF8.GetBytes(text)),
        Metadata = metadata ?? new EntryMetadata(),
    };

    /// <summary>A collector's hard-link record: <paramref name="path"/> is another name of <paramref name="target"/> (<paramref name="sourceTarget"/> in the source).</summary>
    public static ArchiveEntry HardLink(string path, string target, string sourceTarget) => new()
    {
        Path = ArchivePath.Parse(path),
        HardLinkTarget = ArchivePath.Parse(target),
        Metadata = new EntryMetadata { Kind = EntryKind.HardLink, LinkTarget = Encoding.UTF8.GetBytes(sourceTarget) },
    };

    /// <summary>The bytes inside a gzip stream (zlib checks its CRC-32 and length on the way).</summary>
    public static byte[] Gunzip(byte[] gzip)
    {
        using var gz = new System.IO.Compression.GZipStream(new MemoryStream(gzip), System.IO.Compression.CompressionMode.Decompress);
        var plain = new MemoryStream();
        gz.CopyTo(plain);
        return plain.ToArray();
    }

    public static VerificationReport Verify(byte[] archive) => ArchiveVerifier.Verify(new MemoryStream(archive));

    /// <summary>The manifest lines of an uncompressed tar archive, parsed.</summary>
    public static List<JsonElement> Manifest(byte[] tar) => Lines(Member(tar, ArchiveNames.Manifest.Value)).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    public static JsonElement Seal(byte[] tar) => JsonDocument.Parse(Member(tar, ArchiveNames.Seal.Value)).RootElement;

    public static byte[] Member(byte[] tar, string name)
    {
        using var reader = new ContainerForensics.Tar.PaxTarReader(new MemoryStream(tar));
        while (reader.Next() is { } e)
        {
            if (Encoding.UTF8.GetString(e.Header.Name) == name)
            {
                var ms = new MemoryStream();
                var buf = new byte[65536];
                int n;
                while ((n = reader.ReadLogical(buf)) > 0)
                {
                    ms.Write(buf, 0, n);
                }
                return ms.ToArray();
            }
        }
        throw new InvalidOperationException($"no member {name}");
    }

    public static IEnumerable<string> Lines(byte[] bytes) =>
        Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The offset of the first occurrence of <paramref name="marker"/> after <paramref name="from"/>.</summary>
    public static int Find(byte[] haystack, string marker, int from = 0)
    {
        int at = haystack.AsSpan(from).IndexOf(Encoding.UTF8.GetBytes(marker));
        Assert.True(at >= 0, $"marker '{marker}' not found");
        return from + at;
    }

    public static byte[] FlipBit(byte[] archive, int offset, int bit = 0)
    {
        var copy = (byte[])archive.Clone();
        copy[offset] ^= (byte)(1 << bit);
        return copy;
    }
}

/// <summary>Content that fails or ends early where a test says, as a dying disk or a shrinking file would.</summary>
internal sealed class ScriptedContent : IEvidenceContent
{
    private readonly byte[] _data;
    private readonly long _length;
    private readonly Func<long, bool> _failsAt;
    private readonly long _endsAt;
    private readonly Action<long>? _onRead;

    public ScriptedContent(byte[] data, long? declaredLength = null, Func<long, bool>? failsAt = null, long? endsAt = null, IReadOnlyList<DataSegment>? segments = null, Action<long>? onRead = null)
    {
        _data = data;
        _length = declaredLength ?? data.Length;
        _failsAt = failsAt ?? (_ => false);
        _endsAt = endsAt ?? long.MaxValue;
        Segments = segments;
        _onRead = onRead;
    }

    public long? Length => _length;

    public IReadOnlyList<DataSegment>? Segments { get; }

    public ContentReadNote? Note { get; init; }

    public bool Disposed { get; private set; }

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        _onRead?.Invoke(offset);
        if (_failsAt(offset))
        {
            throw new IOException($"EIO at {offset}");
        }
        if (offset >= _endsAt || offset >= _length)
        {
            return ValueTask.FromResult(0);
        }
        // Read up to the next failing block so the failure is hit at a block start, like a bad sector.
        int n = (int)Math.Min(buffer.Length, Math.Min(_length, _endsAt) - offset);
        for (int i = 1; i < n; i++)
        {
            if ((offset + i) % 4096 == 0 && _failsAt(offset + i))
            {
                n = i;
                break;
            }
        }
        for (int i = 0; i < n; i++)
        {
            long pos = offset + i;
            buffer.Span[i] = pos < _data.Length ? _data[pos] : (byte)0;
        }
        return ValueTask.FromResult(n);
    }

    public ValueTask<ContentReadNote?> CompleteAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Note);

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
