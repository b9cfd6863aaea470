using System.Globalization;
using System.Text;

namespace ContainerForensics.HostEvidence.Memory;

/// <summary>
/// One mapping of a process as /proc/&lt;pid&gt;/maps (or smaps) shows it (proc_pid_maps(5)):
/// the address range, permissions, the file offset, device and inode of a mapped file, and the
/// path or pseudo-name ([heap], [stack], [vdso], …) as raw bytes — a path may hold spaces, end
/// in " (deleted)", or carry "\012" where the kernel escaped a newline.
/// </summary>
internal sealed record MemoryRegion
{
    public required ulong Start { get; init; }

    /// <summary>Exclusive.</summary>
    public required ulong End { get; init; }

    public bool Read { get; init; }

    public bool Write { get; init; }

    public bool Execute { get; init; }

    /// <summary>'s' in the fourth permission column (MAP_SHARED); 'p' is private (copy on write).</summary>
    public bool Shared { get; init; }

    /// <summary>Offset into the mapped file, in bytes.</summary>
    public ulong FileOffset { get; init; }

    public uint DevMajor { get; init; }

    public uint DevMinor { get; init; }

    public ulong Inode { get; init; }

    /// <summary>The path or pseudo-name, byte-exact; empty for an anonymous mapping.</summary>
    public byte[] Path { get; init; } = [];

    /// <summary>The two-letter VmFlags of smaps ("rd", "io", "pf", "dd", …); null when read from maps.</summary>
    public IReadOnlyList<string>? VmFlags { get; init; }

    public ulong Size => End - Start;

    /// <summary>
    /// Whether the mapping has a file behind it (the kernel's vm_file): maps prints a device and
    /// inode only then. Shared anonymous memory ("/dev/zero (deleted)") and memfds count, as in
    /// the kernel's own NT_FILE note.
    /// </summary>
    public bool IsFileBacked => Inode != 0 || DevMajor != 0 || DevMinor != 0;

    /// <summary>The name as text for people (invalid UTF-8 replaced); the bytes stay in <see cref="Path"/>.</summary>
    public string DisplayName => Path.Length == 0 ? "(anonymous)" : Encoding.UTF8.GetString(Path);

    public string Permissions => $"{(Read ? 'r' : '-')}{(Write ? 'w' : '-')}{(Execute ? 'x' : '-')}{(Shared ? 's' : 'p')}";

    /// <summary>The name of this mapping in /proc/&lt;pid&gt;/map_files: "%lx-%lx".</summary>
    public string MapFilesName => Start.ToString("x", CultureInfo.InvariantCulture) + "-" + End.ToString("x", CultureInfo.InvariantCulture);

    public bool HasVmFlag(string flag) => VmFlags?.Contains(flag) == true;

    public bool IsNamed(ReadOnlySpan<byte> name) => Path.AsSpan().SequenceEqual(name);

    public override string ToString() =>
        $"{Start:x}-{End:x} {Permissions} {DisplayName}";
}
