using ContainerForensics.HostEvidence.Network.Parsing;

namespace ContainerForensics.HostEvidence.Network.Documents;

/// <summary><c>arp.json</c>: the IPv4 neighbours of the namespace (/proc/net/arp).</summary>
internal sealed class ArpDocument
{
    private ArpDocument(NetworkSnapshot snapshot)
    {
        Snapshot = snapshot;
        Entries = snapshot.Parse("arp", ArpParser.Parse, Sources).Entries;
    }

    public NetworkSnapshot Snapshot { get; }

    public List<SourceSummary> Sources { get; } = [];

    public List<ArpEntry> Entries { get; }

    public static ArpDocument From(NetworkSnapshot snapshot) => new(snapshot);

    public byte[] ToJson() => NetworkJson.Write(w =>
    {
        w.WriteStartObject();
        NetworkJson.WriteHeader(w, Snapshot, Sources);
        w.WriteStartArray("entries");
        foreach (var e in Entries)
        {
            w.WriteStartObject();
            NetworkJson.Address(w, "address", e.Address);
            w.WriteString("hardwareType", e.HardwareType);
            w.WriteNumber("hardwareTypeCode", e.HardwareTypeCode);
            NetworkJson.Strings(w, "flags", e.Flags);
            w.WriteNumber("flagsCode", e.FlagsCode);
            w.WriteString("hardwareAddress", e.HardwareAddress);
            w.WriteString("mask", e.Mask);
            NetworkJson.Name(w, "interface", e.Interface);
            w.WriteNumber("line", e.Line);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });
}
