using ContainerForensics.TestSupport;
using ContainerForensics.TestSupport.DeadBox;

namespace ContainerForensics.Cli.Tests.DeadBox;

/// <summary>
/// A private dockerd with a container in every state the dead-box tests read: running with a
/// planted file, a deleted file and directory, a directory made again (opaque) and a volume (json-file), stopped after logging to both streams, removed after
/// logging, paused, created and never run, running with the local log driver (a line longer
/// than dockerd's 16 KiB buffer, so it is stored in partial pieces). What docker said of each is
/// kept to compare with what is read from the disk later.
/// </summary>
public sealed class DeadBoxDockerScenario : IAsyncLifetime
{
    public const string Volume = "cfir-deadbox-vol";

    public DeadBoxDocker? Box { get; private set; }

    public string Label { get; } = $"cfir.deadbox={Guid.NewGuid():N}";

    public string Running { get; private set; } = "";

    public string Stopped { get; private set; } = "";

    public string Removed { get; private set; } = "";

    public string Paused { get; private set; } = "";

    public string Created { get; private set; } = "";

    public string Local { get; private set; } = "";

    /// <summary><c>docker logs -t</c> of the local-driver container: stdout, stderr.</summary>
    public (string Stdout, string Stderr) LocalLogs { get; private set; }

    /// <summary>
    /// Whether this daemon's <c>docker logs</c> ends the last piece of a long line with a newline:
    /// moby's local driver does since Docker 23 (commit 990b0e2, "fix appending newlines"), not before.
    /// </summary>
    public bool LastPieceEndsLine { get; private set; }

    public IReadOnlyList<string> Ids => [Running, Stopped, Paused, Created, Local];

    public async Task InitializeAsync()
    {
        if (!RigEnvironment.IsCi && DeadBoxDocker.Missing() is not null)
        {
            return;  // the tests are skipped, and say why
        }
        Box = await DeadBoxDocker.StartAsync();
        await Box.LoadImageAsync();
        await Box.DockerAsync("volume", "create", Volume);
        Running = await Box.RunAsync("running", "echo planted-secret > /tmp/planted && mkdir -p /srv/drop && head -c 70000 /bin/busybox > /srv/drop/part && echo inside > /data/inside-volume && rm -f /etc/hosts.allow && rm -rf /usr/local /opt && mkdir -p /opt/fresh && echo fresh > /opt/fresh/f && echo running-ready && exec sleep 100000",
            "--label", Label, "-v", Volume + ":/data");
        await Box.WaitForLogAsync(Running, "running-ready");
        Stopped = await Box.RunAsync("stopped", "for i in 1 2 3; do echo stopped-line-$i; done; echo stopped-err >&2", "--label", Label);
        Removed = await Box.RunAsync("removed", "echo removed-line", "--label", Label);
        Paused = await Box.RunAsync("paused", "echo paused-ready && exec sleep 100000", "--label", Label);
        Local = await Box.RunAsync("local", "echo local-one; echo local-err >&2; head -c 20000 /dev/zero | tr '\\0' x; echo; echo local-ready; exec sleep 100000",
            "--label", Label, "--log-driver", "local");
        Created = await Box.DockerAsync("create", "--network", "none", "--name", "created", "--label", Label, RigEnvironment.Image, "true");
        await Box.WaitForStateAsync(Stopped, "exited");
        await Box.WaitForStateAsync(Removed, "exited");
        await Box.DockerAsync("rm", Removed);
        await Box.WaitForLogAsync(Paused, "paused-ready");
        await Box.DockerAsync("pause", Paused);
        await Box.WaitForLogAsync(Local, "local-ready");
        var (_, stdout, stderr) = await Box.TryDockerAsync("logs", "-t", Local);
        LocalLogs = (stdout, stderr);
        string version = await Box.DockerAsync("version", "--format", "{{.Server.Version}}");
        LastPieceEndsLine = int.Parse(version.Split('.')[0], System.Globalization.CultureInfo.InvariantCulture) >= 23;
    }

    public async Task DisposeAsync()
    {
        if (Box is not null)
        {
            await Box.DisposeAsync();
        }
    }
}
