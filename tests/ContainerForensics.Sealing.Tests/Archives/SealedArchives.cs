using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Evidence;
using ContainerForensics.Evidence.Output;
using ContainerForensics.Tar;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Sealing.Tests.Archives;

/// <summary>Archives written by the real writer into memory, signed and encrypted through the real layers.</summary>
internal static class SealedArchives
{
    public static async Task<(byte[] Bytes, SealResult Seal)> BuildAsync(ArchiveFormat format, ISealSigner? signer = null,
        Func<Stream, OutputLayer>? layer = null, int entries = 3, int entrySize = 1000, string? acquisitionRecord = null)
    {
        var buffer = new MemoryStream();
        SealResult seal;
        await using (var writer = EvidenceArchiveWriter.Create(ArchiveOutput.ToStdout(new NonClosingStream(buffer), layer),
                         new EvidenceArchiveOptions { Format = format, ToolVersion = "test", SealSigner = signer }))
        {
            if (acquisitionRecord is not null)
            {
                await writer.AddAsync(new ArchiveEntry
                {
                    Path = EvidenceLayout.AcquisitionRecord,
                    Content = EvidenceContent.FromBytes(Encoding.UTF8.GetBytes(acquisitionRecord)),
                }, CancellationToken.None);
            }
            for (int i = 0; i < entries; i++)
            {
                byte[] content = new byte[entrySize];
                new Random(i).NextBytes(content);
                await writer.AddAsync(new ArchiveEntry
                {
                    Path = ArchivePath.Parse($"containers/test/-/c_{i}/logs/stdout.log"),
                    Content = EvidenceContent.FromBytes(content),
                }, CancellationToken.None);
            }
            seal = await writer.SealAsync(new SealRequest(), CancellationToken.None);
        }
        return (buffer.ToArray(), seal);
    }

    /// <summary>A member of an uncompressed tar, by name.</summary>
    public static byte[] Member(byte[] tar, string name)
    {
        using var reader = new PaxTarReader(new MemoryStream(tar));
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

    public static IReadOnlyList<string> MemberNames(byte[] tar)
    {
        var names = new List<string>();
        using var reader = new PaxTarReader(new MemoryStream(tar));
        while (reader.Next() is { } e)
        {
            names.Add(Encoding.UTF8.GetString(e.Header.Name));
        }
        return names;
    }
}
