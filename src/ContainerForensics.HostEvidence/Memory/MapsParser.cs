using System.Buffers;
using System.Globalization;
using System.Text;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.HostEvidence.Interop;

namespace ContainerForensics.HostEvidence.Memory;

/// <summary>
/// Parses /proc/&lt;pid&gt;/smaps (or maps) line by line, streaming, so a process with tens of
/// thousands of mappings costs the list of regions and no more (smaps of such a process runs to
/// tens of megabytes). A region line is
/// <c>start-end perms offset major:minor inode [padding path]</c>, fields separated by one
/// space, the path — which may itself hold spaces — running to the end of the line
/// (fs/proc/task_mmu.c, show_map_vma); smaps follows each with "Key: value" lines, of which
/// only VmFlags is kept. A line that fits neither shape is counted and skipped, never guessed at.
/// </summary>
internal sealed class MapsParser
{
    private const int ChunkSize = 64 * 1024;

    private readonly List<MemoryRegion> _regions = [];

    public IReadOnlyList<MemoryRegion> Regions => _regions;

    /// <summary>Lines that were neither a region nor a "Key: value" line.</summary>
    public int MalformedLines { get; private set; }

    /// <summary>Reads and parses a maps-format file of the process; 0 or an errno.</summary>
    public static int Read(ProcessDirectory process, string name, out MapsParser parser)
    {
        parser = new MapsParser();
        int errno = process.Open(name, out var fd);
        if (errno != 0)
        {
            return errno;
        }
        using (fd)
        {
            using var lease = fd!.Borrow();
            byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
            try
            {
                int filled = 0;
                long offset = 0;
                while (true)
                {
                    if (filled == buffer.Length)
                    {
                        // One line longer than the buffer (a path of PATH_MAX with escapes): grow.
                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, filled).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                    long n = Native.Pread(lease.Fd, buffer.AsSpan(filled), offset);
                    if (n < 0)
                    {
                        return (int)-n;
                    }
                    if (n == 0)
                    {
                        if (filled > 0)
                        {
                            parser.ParseLine(buffer.AsSpan(0, filled));
                        }
                        return 0;
                    }
                    offset += n;
                    filled += (int)n;
                    int consumed = parser.ParseLines(buffer.AsSpan(0, filled));
                    buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                    filled -= consumed;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>Parses every complete line of <paramref name="text"/>; returns how many bytes were consumed.</summary>
    public int ParseLines(ReadOnlySpan<byte> text)
    {
        int consumed = 0;
        while (true)
        {
            int nl = text[consumed..].IndexOf((byte)'\n');
            if (nl < 0)
            {
                return consumed;
            }
            ParseLine(text.Slice(consumed, nl));
            consumed += nl + 1;
        }
    }

    /// <summary>Parses one line without its newline.</summary>
    public void ParseLine(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty)
        {
            return;
        }
        if (TryParseRegion(line, out var region))
        {
            _regions.Add(region);
            return;
        }
        int colon = line.IndexOf((byte)':');
        int space = line.IndexOf((byte)' ');
        if (colon > 0 && (space < 0 || colon < space))
        {
            // An smaps "Key: value" line; VmFlags belongs to the region just read.
            if (line[..colon].SequenceEqual("VmFlags"u8) && _regions.Count > 0)
            {
                var flags = Encoding.ASCII.GetString(line[(colon + 1)..]).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                _regions[^1] = _regions[^1] with { VmFlags = flags };
            }
            return;
        }
        MalformedLines++;
    }

    /// <summary>Parses a region line; false for anything else (a "Key: value" line of smaps, or garbage).</summary>
    public static bool TryParseRegion(ReadOnlySpan<byte> line, out MemoryRegion region)
    {
        region = null!;
        var rest = line;
        if (!NextField(ref rest, out var range) || !NextField(ref rest, out var perms) ||
            !NextField(ref rest, out var offset) || !NextField(ref rest, out var device))
        {
            return false;
        }
        // The inode is the last fixed field; the path (possibly empty) follows after padding.
        int sp = rest.IndexOf((byte)' ');
        var inode = sp < 0 ? rest : rest[..sp];
        var path = sp < 0 ? ReadOnlySpan<byte>.Empty : rest[(sp + 1)..].TrimStart((byte)' ');

        int dash = range.IndexOf((byte)'-');
        int colon = device.IndexOf((byte)':');
        if (dash <= 0 || colon <= 0 || perms.Length != 4 ||
            !Hex(range[..dash], out ulong start) || !Hex(range[(dash + 1)..], out ulong end) || end < start ||
            !Hex(offset, out ulong fileOffset) ||
            !Hex(device[..colon], out ulong major) || !Hex(device[(colon + 1)..], out ulong minor) || major > uint.MaxValue || minor > uint.MaxValue ||
            !ulong.TryParse(inode, NumberStyles.None, CultureInfo.InvariantCulture, out ulong ino) ||
            !Perm(perms[0], (byte)'r', out bool r) || !Perm(perms[1], (byte)'w', out bool w) || !Perm(perms[2], (byte)'x', out bool x) ||
            perms[3] is not ((byte)'s' or (byte)'p'))
        {
            return false;
        }
        region = new MemoryRegion
        {
            Start = start,
            End = end,
            Read = r,
            Write = w,
            Execute = x,
            Shared = perms[3] == (byte)'s',
            FileOffset = fileOffset,
            DevMajor = (uint)major,
            DevMinor = (uint)minor,
            Inode = ino,
            Path = path.ToArray(),
        };
        return true;
    }

    private static bool NextField(ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> field)
    {
        int sp = rest.IndexOf((byte)' ');
        if (sp <= 0)
        {
            field = default;
            return false;
        }
        field = rest[..sp];
        rest = rest[(sp + 1)..];
        return true;
    }

    private static bool Hex(ReadOnlySpan<byte> digits, out ulong value) =>
        ulong.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) && digits.Length is > 0 and <= 16;

    private static bool Perm(byte c, byte set, out bool on)
    {
        on = c == set;
        return on || c == (byte)'-';
    }
}
