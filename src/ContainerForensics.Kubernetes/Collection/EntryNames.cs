using System.Text;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Kubernetes.Collection;

/// <summary>
/// Object names inside evidence names. A real API server only admits DNS names, but the server
/// may be the attacker's: every name is escaped as one archive path segment all the same.
/// </summary>
internal static class EntryNames
{
    public static string Segment(string untrusted) => ArchivePath.EscapeSegment(Encoding.UTF8.GetBytes(untrusted));
}
