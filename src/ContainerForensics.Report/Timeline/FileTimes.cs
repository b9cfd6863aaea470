using System.Globalization;
using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Evidence.Reading;

namespace ContainerForensics.Report.Timeline;

/// <summary>
/// The MACB times of the files a collection took (the manifest's mtime, atime, ctime, btime,
/// as statx gave them on the source), named as the container saw them. Times that are equal
/// become one event naming every kind, as mactime shows "macb".
/// </summary>
internal static class FileTimes
{
    /// <summary>Sections whose entries are files of a container or of the host with times of their own (not /proc's).</summary>
    private static readonly HashSet<string> Sections = new(StringComparer.Ordinal) { "filesystem", "volumes", "logs" };

    public static bool Applies(ManifestLine line, out ArchiveLocation where)
    {
        where = line.Path is { } p ? ArchiveLocation.Of(p) : default;
        return line.Path is not null && where.Section is { } s && Sections.Contains(s) && line.Member != false;
    }

    /// <summary>"docker/web_1a2b3c4d5e6f:/etc/passwd": runtime, container folder, and the path in the container (or the archive path when it has none).</summary>
    public static string NameOf(ManifestLine line, ArchiveLocation where)
    {
        string inside = line.Source?.Path is { } raw ? Encoding.UTF8.GetString(raw) : line.Path!;
        return where.Container is null ? $"{where.Runtime}:{inside}" : $"{where.Runtime}/{where.Container}:{inside}";
    }

    public static void Emit(ManifestLine line, ArchiveLocation where, Action<TimelineEvent> emit)
    {
        var times = new List<(UnixTime When, string Desc)>(4);
        Add(times, line.ModifiedTime, "Content Modification Time");
        Add(times, line.AccessTime, "Last Access Time");
        Add(times, line.ChangeTime, "Metadata Modification Time");
        Add(times, line.BirthTime, "Creation Time");
        string name = NameOf(line, where);
        string detail = $"{line.Kind}{(line.Mode is { } m ? " " + Convert.ToString(m, 8).PadLeft(4, '0') : "")}{(line.Size is { } s ? $", {s.ToString(CultureInfo.InvariantCulture)} bytes" : "")}";
        foreach (var group in times.GroupBy(t => t.When))
        {
            var fields = new List<KeyValuePair<string, string>> { new("path", name), new("kind", line.Kind ?? "") };
            if (line.Status is { } status && status != "collected")
            {
                fields.Add(new("status", status));
            }
            emit(new TimelineEvent
            {
                When = group.Key,
                TimestampDesc = string.Join("; ", group.Select(t => t.Desc)),
                Message = $"{name} ({detail})",
                DataType = "cfir:file",
                ArchivePath = line.Path!,
                Sha256 = line.Sha256,
                Runtime = where.Runtime,
                Container = where.Container,
                Fields = fields,
            });
        }
    }

    private static void Add(List<(UnixTime, string)> times, UnixTime? when, string desc)
    {
        if (when is { } t)
        {
            times.Add((t, desc));
        }
    }
}
