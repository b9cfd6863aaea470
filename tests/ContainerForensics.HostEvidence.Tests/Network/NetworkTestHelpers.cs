using System.Globalization;
using System.Text.Json;

namespace ContainerForensics.HostEvidence.Tests.Network;

internal static class NetworkTestHelpers
{
    /// <summary>The inode of a process's network namespace, from readlink /proc/&lt;pid&gt;/ns/net ("net:[4026531840]").</summary>
    public static ulong NetnsInode(int pid) => NamespaceInode(pid, "net");

    public static ulong NamespaceInode(int pid, string kind)
    {
        string target = new FileInfo($"/proc/{pid}/ns/{kind}").LinkTarget ?? throw new InvalidOperationException($"no ns/{kind} for {pid}");
        return ulong.Parse(target.AsSpan(kind.Length + 2, target.Length - kind.Length - 3), CultureInfo.InvariantCulture);
    }

    public static IEnumerable<JsonElement> Sockets(JsonElement doc) => doc.GetProperty("sockets").EnumerateArray();

    public static IEnumerable<int> OwnerPids(JsonElement socket) => socket.GetProperty("owners").EnumerateArray().Select(o => o.GetProperty("pid").GetInt32());

    /// <summary>The IPv4 address of an end ("local"/"remote"), whether the socket is IPv4 or a dual-stack IPv6 one (::ffff:a.b.c.d).</summary>
    public static string Ipv4(JsonElement socket, string end) =>
        socket.TryGetProperty(end + "Ipv4Mapped", out var mapped) ? mapped.GetString() ?? "" : socket.Str(end + "Address");

    public static string Str(this JsonElement e, string property) => e.GetProperty(property).GetString() ?? "";

    public static int Int(this JsonElement e, string property) => e.GetProperty(property).GetInt32();
}
