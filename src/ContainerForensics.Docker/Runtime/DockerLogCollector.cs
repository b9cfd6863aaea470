using System.Globalization;
using System.Text;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Filesystem;
using ContainerForensics.Docker.Logs;

namespace ContainerForensics.Docker.Runtime;

/// <summary>
/// Logs phase of one container (<c>containers/.../logs/</c>), through the Engine API only (no exec).
/// The collector names its entries; the layout places them.
/// <list type="bullet">
/// <item><c>files/&lt;name&gt;</c>: the log files on disk (LogPath and its rotated siblings),
/// byte-exact, when they can be read here (<see cref="LogFiles"/>; a nested daemon's inside its
/// container, <see cref="HostPathAccess"/>). First in the archive, because they are the primary
/// record: the API output below is derived from them.</item>
/// <item>Without a TTY (inspect <c>Config.Tty</c> false): <c>stdout.log</c> then <c>stderr.log</c>,
/// from ONE <c>GET /containers/{id}/logs?stdout=1&amp;stderr=1</c>, whole history,
/// <c>timestamps=1</c>, <c>since</c> = --logs-since, demultiplexed strictly as it arrives
/// (<see cref="DemultiplexedLogs"/>, <see cref="LogStreamSplitter"/>): the daemon reads its log
/// once, not once per stream. The call is made before the files are captured and streams while
/// they are written (up to <see cref="DemultiplexedLogs.PipeLimit"/> ahead of the writer); the
/// archive order stays files, stdout.log, stderr.log. A body that breaks keeps what arrived in
/// both entries, both partial with the same reason.</item>
/// <item>With a TTY: <c>tty.log</c>, the raw stream of one call, in which the terminal already
/// merged stderr into stdout (neither engine can tell them apart any more).</item>
/// </list>
/// Every log streams from the daemon through the archive writer (spooled to a private temporary
/// file, or the run's in-memory spool budget with <c>-o -</c>), so memory stays bounded whatever
/// the log's size; stderr waits for stdout in a spool of the sink. A stream that breaks (daemon
/// gone, format error) keeps what arrived and is partial with the reason; if the container is
/// then gone (inspect 404), <see cref="ContainerGoneException"/> tells the runner.
/// <para>
/// Podman 4.3.1's compat API, compared with Docker 20.10 (checked on the rig): the same framing
/// (multiplexed without a TTY, raw with one; it labels them <c>application/octet-stream</c> and
/// <c>text/plain</c>, Docker 20.10 sends no Content-Type), but timestamps in whole seconds
/// (RFC 3339, Docker RFC 3339 with nanoseconds) and <c>since</c> read as a float. A line conmon
/// wrote in pieces (k8s-file partial records, flag <c>P</c>: 75 of 100,000 short lines on the rig)
/// comes as those pieces, each with its own timestamp prefix and no newline between them, where
/// dockerd joins partial messages first; the description of the entry says so, and the
/// <c>ctr.log</c> kept under <c>files/</c> has the records with their flags and nanosecond times.
/// Its inspect calls the conmon k8s-file log <c>json-file</c>; LogPath is that <c>ctr.log</c>.
/// </para>
/// </summary>
internal sealed class DockerLogCollector(DockerClient client, ContainerInspects inspects, HostPathAccess? hostPaths = null)
{
    private readonly HostPathAccess _hostPaths = hostPaths ?? HostPathAccess.For(client.Endpoint);

    public async Task CollectAsync(ContainerInfo container, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        var inspect = await inspects.CurrentAsync(container, cancellationToken).ConfigureAwait(false);
        var root = inspect.Raw.Root;
        string? driver = Json.Object(root, "HostConfig") is { } host && Json.Object(host, "LogConfig") is { } config ? Json.String(config, "Type") : null;
        string? logPath = Json.String(root, "LogPath");

        var limits = CaptureLimits.From(options);
        bool neverStarted = inspect.State == "created";
        if (driver == "none")
        {
            await CaptureFilesAsync(container, sink, driver, logPath, neverStarted, limits, cancellationToken).ConfigureAwait(false);
            foreach (string name in inspect.Tty == true ? ["tty.log"] : (string[])["stdout.log", "stderr.log"])
            {
                await sink.AddAsync(EvidenceItem.NotCollected(EvidenceSection.Logs, name, EntryStatus.Skipped,
                    "log driver none: the engine keeps no logs of this container", null), cancellationToken).ConfigureAwait(false);
            }
            return;
        }
        if (inspect.Tty == true)
        {
            await CaptureFilesAsync(container, sink, driver, logPath, neverStarted, limits, cancellationToken).ConfigureAwait(false);
            await AddTtyLogAsync(container, sink, options.LogsSince, cancellationToken).ConfigureAwait(false);
            return;
        }
        // Config.Tty absent (no engine omits it) is read as false: the strict parser then says so if it was wrong.
        await AddDemultiplexedLogsAsync(container, sink, options.LogsSince,
            () => CaptureFilesAsync(container, sink, driver, logPath, neverStarted, limits, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private async Task CaptureFilesAsync(ContainerInfo container, IEvidenceSink sink, string? driver, string? logPath, bool neverStarted, CaptureLimits limits, CancellationToken cancellationToken)
    {
        string what = DescribeDriver(driver);
        string? skipped = null;
        if (string.IsNullOrEmpty(logPath))
        {
            skipped = driver is "json-file" or "k8s-file" && neverStarted
                ? $"LogPath is empty: the container has never run, so the {what} has written no file yet"
                : $"log driver {driver ?? "(not named)"}: no file on disk (LogPath is empty)";
        }
        else if (!_hostPaths.Usable)
        {
            skipped = $"LogPath {logPath} is a path of the daemon's host, not read from this one: {_hostPaths.Why}";
        }
        if (skipped is not null)
        {
            await sink.AddAsync(new EvidenceItem
            {
                Section = EvidenceSection.Logs,
                Name = string.IsNullOrEmpty(logPath) ? LogFiles.Folder : LogFiles.ItemName(Encoding.UTF8.GetBytes(Path.GetFileName(logPath))),
                Status = EntryStatus.Skipped,
                Reason = skipped,
                Source = new EvidenceSource { Description = "LogPath and HostConfig.LogConfig of the inspect document" },
            }, cancellationToken).ConfigureAwait(false);
            return;
        }
        await LogFiles.CaptureAsync(sink, logPath!, what, neverStarted, limits, _hostPaths.At(container), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A TTY container's one raw stream into <c>tty.log</c>.</summary>
    private async Task AddTtyLogAsync(ContainerInfo container, IEvidenceSink sink, DateTimeOffset? since, CancellationToken cancellationToken)
    {
        string description = Describe(container.Id, since, stream: null);
        Stream body;
        try
        {
            body = await DockerEvidence.AboutContainerAsync(container, () =>
                client.Containers.LogsAsync(container.Id, stdout: true, stderr: true, since, timestamps: true, cancellationToken)).ConfigureAwait(false);
        }
        catch (DockerApiException ex)
        {
            await AddRefusedAsync(sink, [("tty.log", description)], ex, cancellationToken).ConfigureAwait(false);
            return;
        }
        var result = await DockerEvidence.AddStreamAsync(sink, EvidenceSection.Logs, "tty.log", body, description, cancellationToken).ConfigureAwait(false);
        if (result.Status != EntryStatus.Collected)
        {
            await ThrowIfGoneAsync(container, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One call for both streams, asked before <paramref name="before"/> (the files on disk) is
    /// written so that the daemon streams meanwhile; then stdout.log, split from the body as it
    /// comes, and stderr.log from the spool it was split into.
    /// </summary>
    private async Task AddDemultiplexedLogsAsync(ContainerInfo container, IEvidenceSink sink, DateTimeOffset? since, Func<Task> before, CancellationToken cancellationToken)
    {
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var call = DockerEvidence.AboutContainerAsync(container, () =>
            client.Containers.LogsAsync(container.Id, stdout: true, stderr: true, since, timestamps: true, abandon.Token));
        IEvidenceSpool? spool = null;
        DemultiplexedLogs? logs = null;
        try
        {
            await before().ConfigureAwait(false);
            Stream body;
            try
            {
                body = await call.ConfigureAwait(false);
            }
            catch (DockerApiException ex)
            {
                // The daemon answered but will not give these logs (Docker: "journald is not enabled on
                // this host", 500; a driver that cannot be read, 501): failed entries, and the phase goes on.
                await AddRefusedAsync(sink, [("stdout.log", Describe(container.Id, since, StdStream.Stdout)), ("stderr.log", Describe(container.Id, since, StdStream.Stderr))], ex, cancellationToken).ConfigureAwait(false);
                return;
            }
            try
            {
                spool = sink.CreateSpool("stderr.log");
            }
            catch
            {
                await body.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            logs = DemultiplexedLogs.Start(body, spool, abandon.Token);
            await sink.AddAsync(new EvidenceItem
            {
                Section = EvidenceSection.Logs,
                Name = "stdout.log",
                Content = logs.Stdout,
                Source = new EvidenceSource { Description = Describe(container.Id, since, StdStream.Stdout) },
            }, cancellationToken).ConfigureAwait(false);
            var split = await logs.Completion.ConfigureAwait(false);
            var (content, status, reason) = logs.Stderr(split);
            await sink.AddAsync(new EvidenceItem
            {
                Section = EvidenceSection.Logs,
                Name = "stderr.log",
                Content = content,
                Status = status,
                Reason = reason,
                Source = new EvidenceSource { Description = Describe(container.Id, since, StdStream.Stderr) },
            }, cancellationToken).ConfigureAwait(false);
            if (split.Failure is not null)
            {
                await ThrowIfGoneAsync(container, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (logs is not null)
            {
                await logs.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                // The body was never taken (the files failed: the archive broke; or the daemon
                // refused, already recorded): drop the call, whatever became of it.
                await abandon.CancelAsync().ConfigureAwait(false);
                try
                {
                    await (await call.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                }
            }
            spool?.Dispose();
        }
    }

    private static async Task AddRefusedAsync(IEvidenceSink sink, (string Name, string Description)[] entries, DockerApiException ex, CancellationToken cancellationToken)
    {
        foreach (var (name, description) in entries)
        {
            await sink.AddAsync(EvidenceItem.NotCollected(EvidenceSection.Logs, name, EntryStatus.Failed, ex.Message,
                new EvidenceSource { Description = description }), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A stream that broke may mean the container was removed under it: then say so, with what arrived already kept.</summary>
    private async Task ThrowIfGoneAsync(ContainerInfo container, CancellationToken cancellationToken)
    {
        try
        {
            await DockerEvidence.AboutContainerAsync(container, () => client.Containers.InspectRawAsync(container.Id, cancellationToken)).ConfigureAwait(false);
        }
        catch (DockerException)
        {
            // Not a 404 (that became ContainerGoneException): the partial entry already says why
            // it stopped, and the next call meets whatever is wrong with the daemon.
        }
    }

    /// <summary>The call as ContainersApi.LogsAsync sends it, then what the entry holds (<paramref name="stream"/>; null: a TTY's raw stream).</summary>
    private string Describe(string id, DateTimeOffset? since, StdStream? stream)
    {
        string query = "stdout=1&stderr=1";
        string sinceText = "";
        if (since is { } s)
        {
            var t = UnixTime.FromDateTimeOffset(s);
            query += "&since=" + t.Seconds.ToString(CultureInfo.InvariantCulture) + "." + t.Nanoseconds.ToString("D9", CultureInfo.InvariantCulture);
            sinceText = $"; only lines at or after {t.ToIso8601()} (--logs-since)";
        }
        query += "&timestamps=1";
        string call = $"GET {client.ApiVersion?.PathPrefix}/containers/{Uri.EscapeDataString(id)}/logs?{query}";
        string what = stream switch
        {
            StdStream.Stdout => "the container's stdout, demultiplexed from this one call for both streams (no TTY: the payload of its stdout frames, in the order they came; " +
                                "the stderr frames of the same body are stderr.log)",
            StdStream.Stderr => "the container's stderr, demultiplexed from this one call for both streams (no TTY: the payload of its stderr frames, in the order they came; " +
                                "the stdout frames of the same body are stdout.log)",
            _ => "the container's terminal output, raw (TTY: stdout and stderr merged by the terminal, which cannot be told apart any more; line ends as the terminal wrote them, CR LF)",
        };
        string stamp = client.ServerVersion.IsPodman
            ? "each line prefixed with the engine's RFC 3339 timestamp, in whole seconds (Podman's compat API; the k8s-file on disk has nanoseconds); " +
              "a line conmon stored in pieces (k8s-file partial records, flag P) comes as its pieces, each with its own timestamp, on one line"
            : "each line prefixed with the engine's RFC 3339 timestamp with nanoseconds";
        return $"{call}: {what}; {stamp}{sinceText}";
    }

    private string DescribeDriver(string? driver) => (client.ServerVersion.IsPodman, driver) switch
    {
        // Podman's compat inspect says json-file for its k8s-file (checked on 4.3.1).
        (true, "json-file" or "k8s-file") => "k8s-file log driver (conmon; Podman's compat API calls it json-file)",
        (_, null or "") => "log driver",
        _ => $"{driver} log driver",
    };
}
