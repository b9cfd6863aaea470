using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Host;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Evidence.Reading;
using ContainerForensics.Evidence.Tests.Archive;

namespace ContainerForensics.Evidence.Tests.Reading;

/// <summary>
/// What the real writer writes, the reader reads back typed, every field equal: to what the
/// writer was given, and, for what the writer computes (digests, offsets, times), to the JSON it wrote.
/// </summary>
public sealed class ReaderRoundTripTests
{
    private static readonly UnixTime MTime = new(1_764_000_000, 123_456_789);
    private static readonly UnixTime ATime = new(1_764_000_001, 1);
    private static readonly UnixTime CTime = new(1_764_000_002, 999_999_999);
    private static readonly UnixTime BTime = new(1_700_000_000, 0);
    private static readonly byte[] NotUtf8 = [0x62, 0xFF, 0xFE, 0x64];
    private const int Part = EvidenceArchiveWriter.InMemoryStreamPart;

    [Theory]
    [InlineData(ArchiveFormat.Tar)]
    [InlineData(ArchiveFormat.TarGz)]
    [InlineData(ArchiveFormat.Zip)]
    public async Task Every_record_the_writer_writes_is_read_back_typed_and_equal(ArchiveFormat format)
    {
        byte[] acquisitionJson = Acquisition();
        var stream = new byte[Part + 100];
        new Random(5).NextBytes(stream);
        var archive = await ArchiveKit.BuildAsync(format, async w =>
        {
            await w.AddAsync(new ArchiveEntry { Path = EvidenceLayout.AcquisitionRecord, Content = EvidenceContent.FromBytes(acquisitionJson) }, default);
            await w.AddAsync(RichFile(), default);
            await w.AddAsync(new ArchiveEntry
            {
                Path = ArchivePath.Parse("fs/link"),
                Metadata = new EntryMetadata { Kind = EntryKind.Symlink, LinkTarget = NotUtf8, Mode = 0x1FF },
            }, default);
            await w.AddAsync(new ArchiveEntry
            {
                Path = ArchivePath.Parse("fs/dev/tty"),
                Metadata = new EntryMetadata { Kind = EntryKind.CharDevice, DeviceMajor = 5, DeviceMinor = 0 },
            }, default);
            await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("fs/gone"), Metadata = new EntryMetadata { Kind = EntryKind.Whiteout } }, default);
            await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("fs/shadow"), Status = EntryStatus.Failed, Reason = "open failed", Errno = 13 }, default);
            await w.AddAsync(new ArchiveEntry
            {
                Path = ArchivePath.Parse("fs/sparse"),
                Content = new ScriptedContent(new byte[3 * 4096], failsAt: o => o == 4096, segments: [new DataSegment(0, 8192)]),
                Metadata = new EntryMetadata { Size = 3 * 4096 },
            }, default);
            await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("logs/stdout"), Content = EvidenceContent.FromStream(new MemoryStream(stream)) }, default);
            w.RecordError(new ErrorRecord
            {
                Scope = "engine docker", Message = "GET /events timed out", Path = "/var/lib", Runtime = "docker", ContainerId = "0123abcd",
                Errno = 110, ExceptionType = "System.TimeoutException", At = MTime,
            });
        }, new SealRequest { Interrupted = true, InterruptionReason = "interrupted by SIGINT" }, extraHashes: ExtraHashes.Sha1 | ExtraHashes.Md5);

        var lines = new List<ManifestLine>();
        var errors = new List<ErrorLine>();
        var problems = new List<ReaderProblem>();
        using var reader = new EvidenceArchiveReader(new MemoryStream(archive),
            new ArchiveReaderOptions { OnManifestLine = lines.Add, OnErrorLine = errors.Add, OnProblem = problems.Add });
        var members = new List<string>();
        while (reader.MoveNext())
        {
            members.Add(reader.Current!.Name);
        }

        Assert.Empty(problems);
        Assert.Equal(format == ArchiveFormat.Zip ? "zip" : format == ArchiveFormat.Tar ? "tar" : "tar.gz", reader.Format);
        Assert.Equal(ArchiveNames.Seal.Value, members[^1]);
        byte[] tar = format == ArchiveFormat.TarGz ? ArchiveKit.Gunzip(archive) : archive;
        var rawLines = format == ArchiveFormat.Zip ? ZipJsonLines(archive, ArchiveNames.Manifest.Value) : ArchiveKit.Manifest(tar);
        Assert.Equal(rawLines.Count, lines.Count);
        Assert.Equal(lines.Count, reader.ManifestLines);
        for (int i = 0; i < lines.Count; i++)
        {
            AssertWritten(rawLines[i], lines[i], i + 1);
        }

        var file = lines.Single(l => l.Path == "fs/etc/b%FF%FEd");
        Assert.Equal("file", file.Kind);
        Assert.Equal("collected", file.Status);
        Assert.True(file.Member);
        Assert.Equal("fs/etc/b%FF%FEd", file.MemberPath);
        Assert.Equal("docker", file.Source!.Runtime);
        Assert.Equal("0123abcd", file.Source.ContainerId);
        Assert.Equal("web", file.Source.ContainerName);
        Assert.Equal(NotUtf8, file.Source.Path);
        Assert.Equal("overlay upperdir", file.Source.Description);
        Assert.Equal(0x9EDu, file.Mode);
        Assert.Equal(1000, file.Uid);
        Assert.Equal(1001, file.Gid);
        Assert.Equal("www", file.User);
        Assert.Equal("staff", file.Group);
        Assert.Equal(11, file.Size);
        Assert.Equal(11, file.StoredSize);
        Assert.Equal(11, file.BytesRead);
        Assert.Equal((MTime, ATime, CTime, BTime), (file.ModifiedTime!.Value, file.AccessTime!.Value, file.ChangeTime!.Value, file.BirthTime!.Value));
        Assert.Equal(42UL, file.Inode);
        Assert.Equal(1UL, file.LinkCount);
        var xattr = Assert.Single(file.Xattrs!);
        Assert.Equal("security.capability", xattr.Key);
        Assert.Equal(new byte[] { 1, 0, 0, 2 }, xattr.Value);
        Assert.NotNull(file.Sha1);
        Assert.NotNull(file.Md5);

        var link = lines.Single(l => l.Path == "fs/link");
        Assert.Equal("symlink", link.Kind);
        Assert.Equal(NotUtf8, link.LinkTarget);
        Assert.Equal(0x1FFu, link.Mode);
        Assert.Equal(new DeviceNumbers(5, 0), lines.Single(l => l.Path == "fs/dev/tty").Device);
        var whiteout = lines.Single(l => l.Path == "fs/gone");
        Assert.Equal(("whiteout", "fs/.wh.gone"), (whiteout.Kind, whiteout.MemberPath));
        var failed = lines.Single(l => l.Path == "fs/shadow");
        Assert.Equal(("failed", "open failed", 13, false), (failed.Status, failed.Reason, failed.Errno!.Value, failed.Member!.Value));
        Assert.Null(failed.MemberPath);
        var sparse = lines.Single(l => l.Path == "fs/sparse");
        Assert.Equal("partial", sparse.Status);
        if (format != ArchiveFormat.Zip)
        {
            Assert.Equal([new DataSegment(0, 8192)], sparse.Sparse!); // zip has no sparse files
        }
        Assert.Equal([new DataSegment(4096, 4096)], sparse.Unreadable!);
        var parts = lines.Where(l => l.Path!.StartsWith("logs/stdout", StringComparison.Ordinal)).ToList();
        Assert.Equal(new ManifestStreamPart(1, "logs/stdout", "logs/stdout.part-2", null, null), parts[0].StreamPart);
        Assert.Equal(2, parts[1].StreamPart!.Number);
        Assert.Equal((long)stream.Length, parts[1].StreamPart!.WholeSize);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream)), parts[1].StreamPart!.WholeSha256);

        var error = Assert.Single(errors);
        Assert.Equal(1, error.Line);
        Assert.Equal(("engine docker", "GET /events timed out", "/var/lib", "docker", "0123abcd"), (error.Scope, error.Message, error.Path, error.Runtime, error.ContainerId));
        Assert.Equal((110, "System.TimeoutException", MTime), (error.Errno!.Value, error.Exception, error.At!.Value));

        AssertSeal(reader, format == ArchiveFormat.Zip ? ZipMember(archive, ArchiveNames.Seal.Value) : ArchiveKit.Member(tar, ArchiveNames.Seal.Value));
        AssertAcquisition(reader.Acquisition!, acquisitionJson);
    }

    private static ArchiveEntry RichFile() => new()
    {
        Path = ArchivePath.Parse("fs/etc/b%FF%FEd"),
        Content = EvidenceContent.FromBytes("hello world"u8.ToArray()),
        Source = new EvidenceSource { Runtime = "docker", ContainerId = "0123abcd", ContainerName = "web", OriginalPath = NotUtf8, Description = "overlay upperdir" },
        Metadata = new EntryMetadata
        {
            Mode = 0x9ED, Uid = 1000, Gid = 1001, UserName = "www", GroupName = "staff", Size = 11,
            ModifiedTime = MTime, AccessTime = ATime, ChangeTime = CTime, BirthTime = BTime, Inode = 42, LinkCount = 1,
            ExtendedAttributes = [new("security.capability", [1, 0, 0, 2])],
        },
    };

    /// <summary>The fields the writer computes, against the JSON it wrote.</summary>
    private static void AssertWritten(JsonElement raw, ManifestLine line, int number)
    {
        Assert.Equal(number, line.Line);
        Assert.Equal(raw.GetProperty("path").GetString(), line.Path);
        Assert.Equal(raw.GetProperty("kind").GetString(), line.Kind);
        Assert.Equal(raw.GetProperty("status").GetString(), line.Status);
        Assert.Equal(raw.GetProperty("member").GetBoolean(), line.Member);
        Assert.Equal(Optional(raw, "memberName")?.GetString(), line.MemberName);
        Assert.Equal(Optional(raw, "sha256")?.GetString(), line.Sha256);
        Assert.Equal(Optional(raw, "sha1")?.GetString(), line.Sha1);
        Assert.Equal(Optional(raw, "md5")?.GetString(), line.Md5);
        Assert.Equal(Optional(raw, "storedSize")?.GetInt64(), line.StoredSize);
        Assert.Equal(raw.GetProperty("bytesRead").GetInt64(), line.BytesRead);
        Assert.Equal(raw.GetProperty("offset").GetInt64(), line.Offset);
        Assert.Equal(raw.GetProperty("collectedAt").GetString(), line.CollectedAt!.Value.ToIso8601());
        Assert.Equal(Optional(raw, "hardLinkTo")?.GetString(), line.HardLinkTo);
        Assert.Equal(Optional(raw, "changedWhileRead")?.GetBoolean() ?? false, line.ChangedWhileRead);
    }

    private static void AssertSeal(EvidenceArchiveReader reader, byte[] sealBytes)
    {
        var raw = JsonDocument.Parse(sealBytes).RootElement;
        var seal = reader.Seal!;
        Assert.Equal(sealBytes, reader.SealBytes);
        Assert.Equal(raw.GetProperty("format").GetString(), seal.Format);
        Assert.Equal(raw.GetProperty("tool").GetString(), seal.Tool);
        Assert.Equal(raw.GetProperty("container").GetString(), seal.Container);
        Assert.Equal(raw.GetProperty("sealedBytes").GetInt64(), seal.SealedBytes);
        Assert.Equal(raw.GetProperty("sealedBytesSha256").GetString(), seal.SealedBytesSha256);
        Assert.Equal(raw.GetProperty("sha256sumsSha256").GetString(), seal.Sha256SumsSha256);
        Assert.Equal(raw.GetProperty("manifestSha256").GetString(), seal.ManifestSha256);
        Assert.Equal(reader.ManifestLines, seal.Entries);
        Assert.Equal(1, seal.Errors);
        Assert.Equal(raw.GetProperty("statusCounts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64()), seal.StatusCounts);
        Assert.Equal(raw.GetProperty("startedAt").GetString(), seal.StartedAt!.Value.ToIso8601());
        Assert.Equal(raw.GetProperty("endedAt").GetString(), seal.EndedAt!.Value.ToIso8601());
        Assert.Equal((false, true, "interrupted by SIGINT"), (seal.Complete!.Value, seal.Interrupted!.Value, seal.Interruption));
        Assert.Equal(raw.GetProperty("sealSha256").GetString(), seal.SealSha256);
    }

    private static void AssertAcquisition(AcquisitionRecordDocument a, byte[] json)
    {
        var raw = JsonDocument.Parse(json).RootElement;
        Assert.Equal(ArchiveNames.FormatVersion, a.Format);
        Assert.Equal(new AcquisitionTool("cfir", "1.2.3", "abc123", System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription), a.Tool);
        Assert.Equal(["cfir", "collect", "-o", "-"], a.CommandLine!);
        Assert.Equal("J. Doe", a.Examiner);
        Assert.Equal("CASE-7", a.Case);
        Assert.Null(a.Note);
        Assert.Equal("stdout", a.Output);
        Assert.Equal(MTime, a.StartedAt);
        Assert.Equal(new AcquisitionHost("host1", "6.1.0", "#1 SMP", "x86_64", "Debian 12", "boot-id", "machine-id"), a.Host);
        var clock = a.Clock!;
        var rawClock = raw.GetProperty("clock");
        Assert.Equal(rawClock.GetProperty("realtime").GetString(), clock.Realtime!.Value.ToIso8601());
        Assert.Equal(rawClock.GetProperty("monotonicTimestamp").GetInt64(), clock.MonotonicTimestamp);
        Assert.Equal(rawClock.GetProperty("monotonicFrequency").GetInt64(), clock.MonotonicFrequency);
        Assert.Equal((12.5, (bool?)null, 250L, "tsc"), (clock.UptimeSeconds!.Value, clock.NtpSynchronized, clock.EstimatedErrorMicroseconds!.Value, clock.ClockSource));
        Assert.Equal(rawClock.GetProperty("timezone").GetString(), clock.Timezone);
        Assert.Equal(2, a.Runtimes!.Count);
        var docker = a.Runtimes[0];
        Assert.Equal(("docker", "unix:///run/docker.sock", true, "27.0", "1.46"), (docker.Name, docker.Endpoint, docker.Answered!.Value, docker.Version, docker.ApiVersion));
        Assert.Null(docker.Reason);
        Assert.Equal("4.3.1", docker.Details["libpodVersion"]);
        Assert.Equal(raw.GetProperty("runtimes")[0].GetProperty("locality").GetString(), docker.Locality);
        Assert.Equal(raw.GetProperty("runtimes")[0].GetProperty("localityWhy").GetString(), docker.LocalityWhy);
        Assert.False(docker.Details.ContainsKey("locality"));
        var podman = a.Runtimes[1];
        Assert.Equal(("podman", "unix:///run/podman/podman.sock", false, "no socket"), (podman.Name, podman.Endpoint, podman.Answered!.Value, podman.Reason));
        Assert.Empty(podman.Details);
        var o = a.Options!;
        Assert.Equal(("full", 1024L, "skip", true, true, 4096L, true), (o.Filesystem, o.MaxFileSize!.Value, o.Oversize, o.Volumes!.Value, o.Memory!.Value, o.MemoryMaxBytes!.Value, o.RunningOnly!.Value));
        Assert.Equal(raw.GetProperty("options").GetProperty("logsSince").GetString(), o.LogsSince);
        Assert.Null(o.EventsSince);
        Assert.Equal(["web"], o.Containers!);
        Assert.Equal(["tier=front", "debug"], o.Labels!);
    }

    private static byte[] Acquisition()
    {
        var info = new AcquisitionInfo
        {
            ToolName = "cfir", ToolVersion = "1.2.3", ToolCommit = "abc123", CommandLine = ["cfir", "collect", "-o", "-"], Examiner = "J. Doe", Case = "CASE-7",
            FormatVersion = ArchiveNames.FormatVersion, OutputDescription = "stdout",
        };
        var host = new HostFacts
        {
            Hostname = "host1", KernelRelease = "6.1.0", KernelVersion = "#1 SMP", Architecture = "x86_64", OsPrettyName = "Debian 12", BootId = "boot-id",
            MachineId = "machine-id", UptimeSeconds = 12.5, ClockEstimatedErrorMicroseconds = 250, ClockSource = "tsc",
        };
        var docker = new DescriptorOnly(new RuntimeDescriptor("docker", "unix:///run/docker.sock", "27.0", "1.46")
        {
            Details = new Dictionary<string, string> { ["libpodVersion"] = "4.3.1" },
        });
        var discovery = new DiscoveryResult([RuntimeProbe.Found(docker), RuntimeProbe.NotFound("podman", "unix:///run/podman/podman.sock", "no socket")], explicitRequest: false);
        var options = new CollectionOptions
        {
            Filesystem = FilesystemMode.Full, MaxFileSize = 1024, Oversize = OversizePolicy.Skip, LogsSince = DateTimeOffset.UnixEpoch.AddDays(20_000),
            Volumes = true, Memory = true, MemoryMaxBytes = 4096,
            Selector = new ContainerSelector { Names = ["web"], Labels = [new("tier", "front"), new("debug", null)], RunningOnly = true },
        };
        return AcquisitionRecord.Build(info, host, discovery, options, MTime, TimeProvider.System);
    }

    private static JsonElement? Optional(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v : null;

    private static byte[] ZipMember(byte[] zip, string name)
    {
        using var z = new ICSharpCode.SharpZipLib.Zip.ZipFile(new MemoryStream(zip));
        using var s = z.GetInputStream(z.GetEntry(name));
        var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    private static List<JsonElement> ZipJsonLines(byte[] zip, string name) =>
        ArchiveKit.Lines(ZipMember(zip, name)).Select(l => JsonDocument.Parse(l).RootElement).ToList();

    /// <summary>A runtime that only describes itself: the acquisition record asks nothing else of it.</summary>
    private sealed class DescriptorOnly(RuntimeDescriptor descriptor) : IContainerRuntime
    {
        public RuntimeDescriptor Descriptor => descriptor;

        public Task<IReadOnlyList<ContainerInfo>> ListContainersAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task CollectEngineAsync(IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task CollectContainerAsync(ContainerInfo container, CollectionPhase phase, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<int?> GetInitPidAsync(ContainerInfo container, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
