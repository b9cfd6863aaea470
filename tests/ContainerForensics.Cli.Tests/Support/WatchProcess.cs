using System.Globalization;
using System.Text;
using System.Text.Json;
using ContainerForensics.Evidence.Reading;
using ContainerForensics.Evidence.Verify;

namespace ContainerForensics.Cli.Tests.Support;

/// <summary>
/// <c>cfir watch -o DIR ...</c> running as its own process: started, waited on until it says it
/// watches, its index read as it grows, and stopped with SIGINT as a responder stops it.
/// </summary>
internal sealed class WatchProcess : IDisposable
{
    private readonly RunningProcess _process;

    private WatchProcess(RunningProcess process, string directory)
    {
        _process = process;
        Directory = directory;
    }

    public string Directory { get; }

    public string StderrSoFar => _process.StderrSoFar;

    /// <summary>Starts <c>cfir watch -o <paramref name="directory"/> ARGS</c> and waits until it watches.</summary>
    public static async Task<WatchProcess> StartAsync(string directory, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var process = CfirProcess.Start(["watch", "-o", directory, .. args], environment);
        var watch = new WatchProcess(process, directory);
        await process.WaitForStderrAsync("info: watching ", ProcessRunner.HangGuard);
        return watch;
    }

    /// <summary>The index's whole lines so far (a line being written is not read).</summary>
    public IReadOnlyList<JsonElement> Index() => ReadIndex(Directory);

    public static IReadOnlyList<JsonElement> ReadIndex(string directory)
    {
        string path = Path.Combine(directory, "index.jsonl");
        if (!File.Exists(path))
        {
            return [];
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string text = reader.ReadToEnd();
        int end = text.LastIndexOf('\n');
        return end < 0 ? [] : [.. text[..end].Split('\n').Select(l =>
        {
            using var doc = JsonDocument.Parse(l);
            return doc.RootElement.Clone();
        })];
    }

    /// <summary>The trigger lines so far.</summary>
    public IReadOnlyList<JsonElement> Triggers() => [.. Index().Where(l => l.GetProperty("type").GetString() == "trigger")];

    /// <summary>Waits until the trigger lines satisfy <paramref name="done"/>; throws with what was seen after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<JsonElement>> WaitForTriggersAsync(Func<IReadOnlyList<JsonElement>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var lines = Triggers();
            if (done(lines))
            {
                return lines;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the index did not get there within {timeout.TotalSeconds:0} s; {lines.Count} trigger line(s); stderr:\n{StderrSoFar}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>SIGINT, then the exit.</summary>
    public async Task<ProcessResult> InterruptAsync()
    {
        var kill = await ProcessRunner.RunAsync("kill", ["-INT", _process.Pid.ToString(CultureInfo.InvariantCulture)]);
        Assert.True(kill.ExitCode == 0, kill.Describe());
        return await _process.WaitAsync(ProcessRunner.HangGuard);
    }

    /// <summary>
    /// Verifies an archive in the process (the verifier cfir verify runs) and checks that its
    /// sha256 is the one the index line gives; returns the members' contents that <paramref name="keep"/> names.
    /// </summary>
    public static Dictionary<string, byte[]> VerifyArchive(string directory, JsonElement line, Func<string, bool> keep)
    {
        string path = Path.Combine(directory, line.GetProperty("archive").GetString()!);
        using (var input = File.OpenRead(path))
        {
            var report = ArchiveVerifier.Verify(input);
            Assert.True(report.Ok, $"{path}: {string.Join("; ", report.Problems.Select(p => $"{p.Kind} {p.Path}: {p.Detail}"))}");
            Assert.Equal(line.GetProperty("sha256").GetString(), report.ArchiveSha256);
        }
        var kept = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var reader = EvidenceArchiveReader.Open(path);
        var buffer = new byte[1 << 16];
        while (reader.MoveNext())
        {
            var member = reader.Current!;
            if (!member.HasContent || !keep(member.Name))
            {
                continue;
            }
            using var content = new MemoryStream();
            int n;
            while ((n = reader.Read(buffer)) > 0)
            {
                content.Write(buffer, 0, n);
            }
            kept[member.Name] = content.ToArray();
        }
        return kept;
    }

    public void Dispose() => _process.Dispose();
}
