using System.Security.Cryptography;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Evidence.Reading;
using ContainerForensics.Evidence.Tests.Archive;

namespace ContainerForensics.Evidence.Tests.Reading;

/// <summary>
/// A reader told not to hash (the findings read back after collect, the report's triage pass)
/// hands out the same members, contents, records and problems as one that hashes, and never
/// passes off a missing hash as a value: the archive's sha256 throws and the seal's prefix
/// digest is null.
/// </summary>
public sealed class ReaderWithoutHashesTests
{
    [Theory]
    [InlineData(ArchiveFormat.Tar)]
    [InlineData(ArchiveFormat.TarGz)]
    [InlineData(ArchiveFormat.TarZst)]
    [InlineData(ArchiveFormat.Zip)]
    public async Task Members_records_and_problems_are_those_of_a_hashing_reader(ArchiveFormat format)
    {
        var blob = new byte[3 << 20];
        new Random(7).NextBytes(blob);
        var archive = await ArchiveKit.BuildAsync(format, async w =>
        {
            await w.AddAsync(ArchiveKit.Bytes("fs/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"), default);
            await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("fs/blob"), Content = EvidenceContent.FromBytes(blob) }, default);
            await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("fs/shadow"), Status = EntryStatus.Failed, Reason = "open failed", Errno = 13 }, default);
        });
        // Something after the archive's end: both readers must say so.
        archive = [.. archive, .. "junk"u8.ToArray()];

        var hashing = Read(archive, hashes: true);
        var plain = Read(archive, hashes: false);

        Assert.Equal(hashing.Members, plain.Members);
        Assert.Equal(hashing.ManifestPaths, plain.ManifestPaths);
        Assert.Equal(hashing.Problems, plain.Problems);
        Assert.Contains(hashing.Problems, p => p.StartsWith(format == ArchiveFormat.Zip ? "corrupt" : "trailing", StringComparison.Ordinal));
        Assert.Equal(hashing.SealEntries, plain.SealEntries);
        Assert.Contains(hashing.Members, m => m.StartsWith("fs/blob ", StringComparison.Ordinal) && m.EndsWith(Convert.ToHexStringLower(SHA256.HashData(blob)), StringComparison.Ordinal));

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(archive)), hashing.ArchiveSha256);
        Assert.NotNull(hashing.SealPrefix);
        Assert.Equal(hashing.SealedBytesSha256, hashing.SealPrefix);
        Assert.Null(plain.ArchiveSha256);
        Assert.Null(plain.SealPrefix);
    }

    private sealed record Reading(List<string> Members, List<string> ManifestPaths, List<string> Problems, long? SealEntries, string? SealedBytesSha256, string? SealPrefix, string? ArchiveSha256);

    private static Reading Read(byte[] archive, bool hashes)
    {
        var manifest = new List<string>();
        var problems = new List<string>();
        using var reader = new EvidenceArchiveReader(new MemoryStream(archive), new ArchiveReaderOptions
        {
            Hashes = hashes,
            OnManifestLine = l => manifest.Add(l.Path ?? "(no path)"),
            OnProblem = p => problems.Add(p.ToString()),
        });
        var members = new List<string>();
        string? sealPrefix = null;
        var buffer = new byte[64 * 1024];
        while (reader.MoveNext())
        {
            var member = reader.Current!;
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            for (int n; (n = reader.Read(buffer)) > 0;)
            {
                sha.AppendData(buffer, 0, n);
            }
            members.Add($"{member.Name} {member.Kind} {Convert.ToHexStringLower(sha.GetCurrentHash())}");
            if (member.Name == ArchiveNames.Seal.Value)
            {
                sealPrefix = member.PrefixSha256;
            }
        }
        // A zip read as a stream names its prefix digests by offset (its reader reads ahead).
        if (reader.Format == "zip" && reader.Seal?.SealedBytes is long sealedBytes)
        {
            sealPrefix = reader.PrefixSha256At(sealedBytes);
        }
        string? archiveSha256 = null;
        if (hashes)
        {
            archiveSha256 = reader.ArchiveSha256();
        }
        else
        {
            Assert.Throws<InvalidOperationException>(() => reader.ArchiveSha256());
        }
        return new Reading(members, manifest, problems, reader.Seal?.Entries, reader.Seal?.SealedBytesSha256, sealPrefix, archiveSha256);
    }
}
