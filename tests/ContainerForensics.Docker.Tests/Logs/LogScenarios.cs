using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Logs;
using ContainerForensics.Docker.Runtime;
using ContainerForensics.Docker.Tests.Engine;
using ContainerForensics.Docker.Transport;
using Xunit.Abstractions;

namespace ContainerForensics.Docker.Tests.Logs;

/// <summary>
/// The logs phase against a real engine, written once and run against Docker and Podman
/// (<see cref="DockerLogTests"/>, <see cref="PodmanLogTests"/>). Every container is planted
/// with the engine's own CLI, which also gives the independent view the results are compared
/// with; <see cref="EngineCli"/> removes them again.
/// </summary>
internal sealed partial class LogScenarios(EngineCli cli, ITestOutputHelper output) : IAsyncDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private DockerRuntime? _runtime;

    private bool IsPodman => cli.Engine == TestSupport.Engine.Podman;

    /// <summary>"2026-11-22T02:50:24.072333436Z text": RFC 3339, with up to nine fractional digits (Go's RFC3339Nano trims trailing zeros).</summary>
    [GeneratedRegex(@"^(?<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?<fraction>\.\d{1,9})?Z) (?<text>.*)$")]
    private static partial Regex TimestampedLine();

    /// <summary>The timestamp prefix of a further piece of a line (Podman: one per k8s-file partial record).</summary>
    [GeneratedRegex(@"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z ")]
    private static partial Regex PiecePrefix();

    /// <summary>(a) A stopped container that wrote to both streams: two files, each with its own lines, in order, timestamped.</summary>
    public async Task StdoutAndStderrAreKeptApart()
    {
        string name = EngineCli.NewName("logs-streams");
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        cli.RunToExit(name, [], "sh", "-c", "echo out1; echo err1 >&2; echo out2");
        var ended = DateTimeOffset.UtcNow;

        var sink = await CollectAsync(name, new CollectionOptions());

        Assert.Empty(sink.Errors);
        Assert.Equal([FileItemName(name), "stdout.log", "stderr.log"], sink.Names);
        Assert.All(sink.Items, i => Assert.Equal(EntryStatus.Collected, i.Status));
        var stdout = Parse(sink["stdout.log"]);
        var stderr = Parse(sink["stderr.log"]);
        Assert.Equal(["out1", "out2"], stdout.Select(l => l.Text));
        Assert.Equal(["err1"], stderr.Select(l => l.Text));
        foreach (var line in stdout.Concat(stderr))
        {
            // Same host, same clock; Podman 4.3's compat API cuts the time to whole seconds (hence the second of slack).
            Assert.InRange(line.Time, started, ended);
        }
        Assert.True(stdout[0].Time <= stdout[1].Time);
        string description = sink["stdout.log"].Item.Source!.Description!;
        Assert.Contains("/logs?stdout=1&stderr=1&timestamps=1: the container's stdout, demultiplexed from this one call for both streams", description, StringComparison.Ordinal);
        Assert.Contains("/logs?stdout=1&stderr=1&timestamps=1: the container's stderr, demultiplexed from this one call for both streams", sink["stderr.log"].Item.Source!.Description, StringComparison.Ordinal);
    }

    /// <summary>
    /// (f) Lines written alternately to stdout and stderr, many frames: each in its entry, in
    /// order, and byte for byte what the engine gives for each stream asked alone (two calls,
    /// <c>stdout=1&amp;stderr=0</c> and <c>stdout=0&amp;stderr=1</c>).
    /// </summary>
    public async Task InterleavedStreamsMatchOneCallPerStream()
    {
        const int Count = 3000;
        string name = EngineCli.NewName("logs-interleaved");
        cli.RunDetached(name, [], "sh", "-c", $"i=0; while [ $i -lt {Count} ]; do echo out-$i; echo err-$i >&2; i=$((i+1)); done");
        Assert.Equal("0", cli.Run("wait", name));

        var sink = await CollectAsync(name, new CollectionOptions());

        Assert.Empty(sink.Errors);
        Assert.Equal([FileItemName(name), "stdout.log", "stderr.log"], sink.Names);
        Assert.All(sink.Items, i => Assert.Equal(EntryStatus.Collected, i.Status));
        var (stdout, stderr) = await OneCallPerStreamAsync(name);
        Assert.Equal(Encoding.UTF8.GetString(stdout), sink["stdout.log"].Text);
        Assert.Equal(Encoding.UTF8.GetString(stderr), sink["stderr.log"].Text);
        Assert.Equal(Sha256(stdout), sink["stdout.log"].Sha256);
        Assert.Equal(Sha256(stderr), sink["stderr.log"].Sha256);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"out-{i}"), Texts(sink["stdout.log"]));
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"err-{i}"), Texts(sink["stderr.log"]));
    }

    /// <summary>(g) A container that wrote only to stderr: an empty stdout.log, collected; every line in stderr.log.</summary>
    public async Task OnlyStderrGivesAnEmptyStdout()
    {
        string name = EngineCli.NewName("logs-stderr-only");
        cli.RunToExit(name, [], "sh", "-c", "echo err1 >&2; echo err2 >&2; echo err3 >&2");

        var sink = await CollectAsync(name, new CollectionOptions());

        Assert.Empty(sink.Errors);
        Assert.Equal([FileItemName(name), "stdout.log", "stderr.log"], sink.Names);
        Assert.All(sink.Items, i => Assert.Equal(EntryStatus.Collected, i.Status));
        Assert.Equal(0, sink["stdout.log"].BytesRead);
        Assert.Equal(["err1", "err2", "err3"], Parse(sink["stderr.log"]).Select(l => l.Text));
    }

    /// <summary>
    /// (h) The engine's answer cut in the middle (a proxy in front of its socket closes the
    /// connection after 512 KiB of its answers; the streams come in bursts of either, so both have begun by then): both entries keep what arrived, a prefix of what each stream
    /// holds, and both are partial with the same reason; the container is still there, so the
    /// phase ends normally.
    /// </summary>
    public async Task BreakMidStreamKeepsBothPartial()
    {
        const int Count = 20_000;
        string name = EngineCli.NewName("logs-cut");
        cli.RunDetached(name, [], "sh", "-c", $"i=0; while [ $i -lt {Count} ]; do echo out-$i; echo err-$i >&2; i=$((i+1)); done");
        Assert.Equal("0", cli.Run("wait", name));
        var (stdout, stderr) = await OneCallPerStreamAsync(name);
        string socket = new Uri(cli.Endpoint).AbsolutePath;
        await using var proxy = new CuttingProxy(socket, cutAfter: 512 * 1024);
        await using var runtime = new DockerRuntime(await DockerClient.ConnectAsync(DockerEndpoint.Parse(proxy.Endpoint), CallTimeout, TimeProvider.System, CancellationToken.None));

        var sink = await CollectAsync(runtime, name, new CollectionOptions());

        Assert.True(proxy.Cuts >= 1);
        Assert.Equal([FileItemName(name), "stdout.log", "stderr.log"], sink.Names);
        var (outLog, errLog) = (sink["stdout.log"], sink["stderr.log"]);
        Assert.Equal(EntryStatus.Partial, outLog.Status);
        Assert.Equal(EntryStatus.Partial, errLog.Status);
        Assert.Equal(outLog.Reason, errLog.Reason);
        Assert.Contains("the logs call broke after ", outLog.Reason, StringComparison.Ordinal);
        Assert.Contains("what arrived before is kept, in stdout.log and stderr.log", outLog.Reason, StringComparison.Ordinal);
        // What arrived is a prefix of each stream, and not nothing.
        Assert.InRange(outLog.BytesRead, 1, stdout.Length - 1);
        Assert.InRange(errLog.BytesRead, 1, stderr.Length - 1);
        Assert.Equal(stdout.AsSpan(0, (int)outLog.BytesRead).ToArray(), outLog.Content);
        Assert.Equal(stderr.AsSpan(0, (int)errLog.BytesRead).ToArray(), errLog.Content);
    }

    /// <summary>The engine's own view of each stream, one logs call per stream, split strictly: a call for one stream holds no frame of the other.</summary>
    private async Task<(byte[] Stdout, byte[] Stderr)> OneCallPerStreamAsync(string name)
    {
        var client = (await RuntimeAsync()).Client;
        string id = cli.Inspect(name, "{{.Id}}");
        async Task<byte[]> ReadAsync(StdStream which)
        {
            await using var body = await client.Containers.LogsAsync(id, which == StdStream.Stdout, which == StdStream.Stderr, since: null, timestamps: true, CancellationToken.None);
            var (stdout, stderr, split) = await MultiplexedFrames.SplitAsync(body);
            Assert.Null(split.Failure);
            Assert.Empty(which == StdStream.Stdout ? stderr : stdout);
            return which == StdStream.Stdout ? stdout : stderr;
        }
        return (await ReadAsync(StdStream.Stdout), await ReadAsync(StdStream.Stderr));
    }

    /// <summary>
    /// Each line's text. Podman's pieces of one line joined back: under load conmon stores a line
    /// in pieces (k8s-file "P" records) and the compat API sends each with its own timestamp and
    /// no newline between, so "out-2771" came as "ou&lt;time&gt; t-2771" in the engine's own answer
    /// too (the one-call oracle); Docker joins them before it serves them, so there it stays strict.
    /// </summary>
    private List<string> Texts(RecordingSink.Recorded captured) =>
        Parse(captured).Select(l => IsPodman ? PiecePrefix().Replace(l.Text, "") : l.Text).ToList();

    /// <summary>(b) A TTY container: one raw stream, both streams merged by the terminal, CR LF line ends.</summary>
    public async Task TtyContainerGivesOneRawLog()
    {
        string name = EngineCli.NewName("logs-tty");
        cli.RunToExit(name, ["-t"], "sh", "-c", "echo out1; echo err1 >&2; echo out2");

        var sink = await CollectAsync(name, new CollectionOptions());

        Assert.Empty(sink.Errors);
        Assert.Equal([FileItemName(name), "tty.log"], sink.Names);
        var tty = sink["tty.log"];
        Assert.Equal(EntryStatus.Collected, tty.Status);
        string text = tty.Text;
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
        var lines = text.Split("\r\n")[..^1].Select(ParseLine).ToList();
        Assert.Equal(["out1", "err1", "out2"], lines.Select(l => l.Text));
        Assert.Contains("stdout and stderr merged by the terminal", tty.Item.Source!.Description, StringComparison.Ordinal);
        Assert.Contains("/logs?stdout=1&stderr=1&timestamps=1:", tty.Item.Source.Description, StringComparison.Ordinal);
    }

    /// <summary>(c) 100,000 lines: all there, in order, checked line by line from the spooled file.</summary>
    public async Task HundredThousandLinesAllInOrder()
    {
        const int Count = 100_000;
        string name = EngineCli.NewName("logs-100k");
        cli.RunDetached(name, [], "sh", "-c", $"i=0; while [ $i -lt {Count} ]; do echo line-$i; i=$((i+1)); done");
        Assert.Equal("0", cli.Run("wait", name));

        var watch = Stopwatch.StartNew();
        var sink = await CollectAsync(name, new CollectionOptions());
        watch.Stop();

        Assert.Empty(sink.Errors);
        var stdout = sink["stdout.log"];
        Assert.Equal(EntryStatus.Collected, stdout.Status);
        int i = 0;
        int split = 0;
        foreach (string line in stdout.Lines())
        {
            var m = TimestampedLine().Match(line);
            Assert.True(m.Success, $"line {i} is not '<RFC 3339 time> <text>': {line}");
            string text = m.Groups["text"].Value;
            if (IsPodman && PiecePrefix().IsMatch(text))
            {
                // conmon stored this line in pieces (k8s-file "P" records) and Podman's compat API
                // sends each piece with its own timestamp, without a newline between them.
                text = PiecePrefix().Replace(text, "");
                split++;
            }
            string expected = "line-" + i.ToString(CultureInfo.InvariantCulture);
            if (text != expected)
            {
                Assert.Fail($"line {i}: expected '{expected}', found '{line}'");
            }
            i++;
        }
        Assert.Equal(Count, i);
        if (!IsPodman)
        {
            Assert.Equal(0, split); // dockerd joins partial messages before it serves them
        }
        Assert.Equal(0, sink["stderr.log"].BytesRead);
        output.WriteLine($"{cli.Engine}: logs phase of {Count} lines took {watch.Elapsed.TotalSeconds:0.00} s, {split} line(s) in pieces " +
            $"({string.Join(", ", sink.Items.Select(x => $"{x.Item.Name} {x.BytesRead} B"))})");
    }

    /// <summary>(d) The log file on disk, byte-exact: its sha256 as the test reads it itself once the container has exited.</summary>
    public async Task RawLogFileIsByteExact()
    {
        string name = EngineCli.NewName("logs-raw");
        cli.RunToExit(name, [], "sh", "-c", "echo out1; echo err1 >&2; echo out2");
        string logPath = LogPathFromCli(name);
        byte[] onDisk = await File.ReadAllBytesAsync(logPath);

        var sink = await CollectAsync(name, new CollectionOptions());

        var file = sink[FileItemName(name)];
        Assert.Equal(EntryStatus.Collected, file.Status);
        Assert.Equal(Sha256(onDisk), file.Sha256);
        Assert.Equal(onDisk.Length, file.BytesRead);
        Assert.Equal(onDisk.Length, file.Item.Metadata.Size);
        Assert.Equal(Encoding.UTF8.GetBytes(logPath), file.Item.Source!.OriginalPath);
        Assert.Contains(IsPodman ? "k8s-file" : "json-file", file.Item.Source.Description, StringComparison.Ordinal);
        // What the driver wrote: json-file lines for Docker, CRI lines ("<time> stdout F out1") for Podman's k8s-file.
        string text = Encoding.UTF8.GetString(onDisk);
        Assert.Contains(IsPodman ? " stdout F out1\n" : "\"log\":\"out1\\n\",\"stream\":\"stdout\"", text, StringComparison.Ordinal);
        Assert.Contains(IsPodman ? " stderr F err1\n" : "\"log\":\"err1\\n\",\"stream\":\"stderr\"", text, StringComparison.Ordinal);
    }

    /// <summary>(d) Docker's json-file rotation (<c>max-size</c>, <c>max-file</c>, optionally <c>compress</c>): every sibling captured byte-exact, in rotation order.</summary>
    public async Task RotatedSiblingsAreCaptured(bool compress)
    {
        string name = EngineCli.NewName("logs-rotated");
        string[] options = ["--log-opt", "max-size=10k", "--log-opt", "max-file=3", .. compress ? (string[])["--log-opt", "compress=true"] : []];
        cli.RunDetached(name, options, "sh", "-c", "i=0; while [ $i -lt 3000 ]; do echo rotated-line-$i; i=$((i+1)); done");
        Assert.Equal("0", cli.Run("wait", name));
        string logPath = LogPathFromCli(name);
        string dir = Path.GetDirectoryName(logPath)!;
        string baseName = Path.GetFileName(logPath);
        string[] expectedSiblings = compress ? [baseName + ".1.gz", baseName + ".2.gz"] : [baseName + ".1", baseName + ".2"];
        // Docker compresses a rotated file in the background: wait until the directory settles.
        Dictionary<string, string> onDisk = [];
        for (int attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                onDisk = Directory.GetFiles(dir, baseName + "*").ToDictionary(p => Path.GetFileName(p), p => Sha256(File.ReadAllBytes(p)));
            }
            catch (FileNotFoundException)
            {
                // Listed, then unlinked by the compressor before it was read: not settled yet.
                onDisk = [];
            }
            if (onDisk.Keys.Order(StringComparer.Ordinal).SequenceEqual([baseName, .. expectedSiblings]))
            {
                break;
            }
            await Task.Delay(100);
        }
        Assert.Equal([baseName, .. expectedSiblings], onDisk.Keys.Order(StringComparer.Ordinal));

        var sink = await CollectAsync(name, new CollectionOptions());

        Assert.Empty(sink.Errors);
        var files = sink.Items.Where(i => i.Item.Name!.StartsWith("files/", StringComparison.Ordinal)).ToList();
        Assert.Equal([baseName, .. expectedSiblings], files.Select(f => f.Item.Name!["files/".Length..]));
        foreach (var f in files)
        {
            Assert.Equal(EntryStatus.Collected, f.Status);
            Assert.Equal(onDisk[f.Item.Name!["files/".Length..]], f.Sha256);
        }
        if (compress)
        {
            // Stored as on disk: still gzip.
            Assert.Equal(new byte[] { 0x1f, 0x8b }, (files[1].Bytes!)[..2]);
        }
        // The API reads through the rotated files too: the newest lines, in order, up to the last one.
        var last = sink["stdout.log"].Lines().Last();
        Assert.EndsWith(" rotated-line-2999", last, StringComparison.Ordinal);
    }

    /// <summary>(e) --logs-since between two bursts: only the later lines come, on both streams; the file on disk stays whole.</summary>
    public async Task LogsSinceKeepsOnlyTheLaterBurst()
    {
        string name = EngineCli.NewName("logs-since");
        cli.RunDetached(name, [], "sh", "-c", "echo early-out; echo early-err >&2; sleep 3; echo late-out; echo late-err >&2");
        Assert.Equal("0", cli.Run("wait", name));
        // The engine's own CLI says when the first line came. Podman's compat API and CLI give whole
        // seconds: the line came in [T, T+1), the later burst at T+3 or after; T+2 lies between,
        // a second from either. The times are when the daemon read each pipe, not when the line
        // was written: the margin lets either reader lag up to a second on a loaded machine.
        string first = cli.Run("logs", "-t", name).Split('\n')[0];
        var early = ParseLine(first);
        Assert.Equal("early-out", early.Text);
        var since = DateTimeOffset.FromUnixTimeSeconds(early.Time.ToUnixTimeSeconds()).AddSeconds(2);

        var sink = await CollectAsync(name, new CollectionOptions { LogsSince = since });

        Assert.Empty(sink.Errors);
        Assert.Equal(["late-out"], Parse(sink["stdout.log"]).Select(l => l.Text));
        Assert.Equal(["late-err"], Parse(sink["stderr.log"]).Select(l => l.Text));
        Assert.Contains("(--logs-since)", sink["stdout.log"].Item.Source!.Description, StringComparison.Ordinal);
        // --logs-since filters what the API gives; the file on disk is evidence as it is, whole.
        string onDisk = sink[FileItemName(name)].Text;
        Assert.Contains("early-out", onDisk, StringComparison.Ordinal);
        Assert.Contains("late-out", onDisk, StringComparison.Ordinal);
    }

    private async Task<RecordingSink> CollectAsync(string name, CollectionOptions options) => await CollectAsync(await RuntimeAsync(), name, options);

    private async Task<RecordingSink> CollectAsync(DockerRuntime runtime, string name, CollectionOptions options)
    {
        string id = cli.Inspect(name, "{{.Id}}");
        var container = (await runtime.ListContainersAsync(CancellationToken.None)).Single(c => c.Id == id);
        var sink = new RecordingSink();
        // The logs collector alone: the logs phase also asks for the layer's diff after it (MetadataScenarios).
        await new DockerLogCollector(runtime.Client, new ContainerInspects(runtime.Client)).CollectAsync(container, sink, options, CancellationToken.None);
        foreach (var item in sink.Items)
        {
            output.WriteLine($"{item.Item.Name}: {item.Status} {item.BytesRead} B {item.Reason}");
        }
        return sink;
    }

    private async Task<DockerRuntime> RuntimeAsync()
    {
        _runtime ??= new DockerRuntime(await DockerClient.ConnectAsync(DockerEndpoint.Parse(cli.Endpoint), CallTimeout, TimeProvider.System, CancellationToken.None));
        return _runtime;
    }

    /// <summary>LogPath as the engine's own CLI reports it (podman keeps it under HostConfig.LogConfig.Path).</summary>
    private string LogPathFromCli(string name) => cli.Inspect(name, IsPodman ? "{{.HostConfig.LogConfig.Path}}" : "{{.LogPath}}");

    private string FileItemName(string name) => "files/" + Path.GetFileName(LogPathFromCli(name));

    private List<(DateTimeOffset Time, string Text)> Parse(RecordingSink.Recorded captured) => captured.Lines().Select(ParseLine).ToList();

    private (DateTimeOffset Time, string Text) ParseLine(string line)
    {
        var m = TimestampedLine().Match(line);
        Assert.True(m.Success, $"not '<RFC 3339 time> <text>': {line}");
        if (!IsPodman)
        {
            // Docker: RFC3339Nano (trailing zeros trimmed, so all nine digits only mostly).
            Assert.True(m.Groups["fraction"].Success, $"Docker's timestamp has no fraction: {line}");
        }
        var time = DateTimeOffset.ParseExact(m.Groups["time"].Value[..19] + "Z", "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        if (m.Groups["fraction"].Success)
        {
            time = time.AddTicks(long.Parse(m.Groups["fraction"].Value[1..].PadRight(9, '0')[..7], CultureInfo.InvariantCulture));
        }
        return (time, m.Groups["text"].Value);
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public async ValueTask DisposeAsync()
    {
        if (_runtime is not null)
        {
            await _runtime.DisposeAsync();
        }
    }
}
