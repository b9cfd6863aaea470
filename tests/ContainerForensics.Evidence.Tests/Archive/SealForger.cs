using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Tar;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>
/// Rewrites an archive's seal the way a careful forger would: the JSON edited, its unkeyed
/// self-hash recomputed, the seal's tar header, padding and end blocks rebuilt as the writer
/// makes them, and the gzip redone. Only what the seal claims can then give the lie away.
/// </summary>
internal static class SealForger
{
    public static byte[] Reseal(byte[] archive, ArchiveFormat format, Action<JsonObject> edit)
    {
        byte[] tar = format == ArchiveFormat.TarGz ? ArchiveKit.Gunzip(archive) : archive;
        var seal = JsonNode.Parse(ArchiveKit.Member(tar, ArchiveNames.Seal.Value))!.AsObject();
        seal.Remove("sealSha256");
        edit(seal);
        byte[] json = SealJson.WithSelfHash(JsonSerializer.SerializeToUtf8Bytes(seal, SealJson.Options));
        Assert.True(SealJson.SelfHashMatches(json));
        long sealedBytes = seal["sealedBytes"]!.GetValue<long>();
        Assert.True(UnixTime.TryParseIso8601(seal["endedAt"]!.GetValue<string>(), out var endedAt));

        var forged = new MemoryStream();
        forged.Write(tar, 0, (int)sealedBytes);
        using (var writer = new PaxTarWriter(forged, leaveOpen: true))
        {
            writer.BeginEntry(EvidenceArchiveWriter.SealHeader(endedAt, json.Length));
            writer.WriteData(json);
            writer.EndEntry();
            writer.Finish();
        }
        if (format != ArchiveFormat.TarGz)
        {
            return forged.ToArray();
        }
        var gz = new MemoryStream();
        using (var zip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(forged.GetBuffer(), 0, (int)forged.Length);
        }
        return gz.ToArray();
    }
}
