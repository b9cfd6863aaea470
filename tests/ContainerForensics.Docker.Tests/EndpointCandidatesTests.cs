using ContainerForensics.Docker.Discovery;
using ContainerForensics.Docker.Tests.Fakes;

namespace ContainerForensics.Docker.Tests;

public sealed class EndpointCandidatesTests
{
    [Fact]
    public void Docker_order_with_an_empty_environment()
    {
        var c = EndpointCandidates.ForDocker(FakeDaemon.Settings());
        Assert.Equal(["--docker-host/DOCKER_HOST", "default", "rootless"], c.Select(x => x.Source));
        Assert.False(c[0].Applies);
        Assert.Equal("neither --docker-host nor DOCKER_HOST is set", c[0].Why);
        Assert.True(c[1].Applies);
        Assert.Equal("unix:///var/run/docker.sock", c[1].Endpoint!.ToString());
        Assert.Contains("rootful Docker", c[1].Why, StringComparison.Ordinal);
        Assert.False(c[2].Applies);
        Assert.Equal("$XDG_RUNTIME_DIR/docker.sock", c[2].Display);
        Assert.Contains("XDG_RUNTIME_DIR is not set", c[2].Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Docker_order_with_everything_set()
    {
        var c = EndpointCandidates.ForDocker(FakeDaemon.Settings(environment: [("DOCKER_HOST", "tcp://10.1.2.3:2375"), ("XDG_RUNTIME_DIR", "/run/user/1000")]));
        Assert.All(c, x => Assert.True(x.Applies, x.ToString()));
        Assert.Equal(["tcp://10.1.2.3:2375", "unix:///var/run/docker.sock", "unix:///run/user/1000/docker.sock"], c.Select(x => x.Endpoint!.ToString()));
        Assert.Equal("DOCKER_HOST", c[0].Source);
        Assert.Equal("DOCKER_HOST is set", c[0].Why);
        Assert.Contains("/run/user/1000", c[2].Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Command_line_host_wins_over_the_environment()
    {
        var c = EndpointCandidates.ForDocker(FakeDaemon.Settings(dockerHost: "unix:///srv/d.sock", environment: [("DOCKER_HOST", "tcp://elsewhere:2375")]));
        Assert.Equal("--docker-host", c[0].Source);
        Assert.Equal("unix:///srv/d.sock", c[0].Endpoint!.ToString());
    }

    [Fact]
    public void Settings_host_equal_to_the_environment_is_named_after_the_environment()
    {
        var c = EndpointCandidates.ForDocker(FakeDaemon.Settings(dockerHost: "unix:///srv/d.sock", environment: [("DOCKER_HOST", "unix:///srv/d.sock")]));
        Assert.Equal("DOCKER_HOST", c[0].Source);
    }

    [Fact]
    public void Unusable_docker_host_does_not_apply_and_says_why()
    {
        var c = EndpointCandidates.ForDocker(FakeDaemon.Settings(environment: [("DOCKER_HOST", "ssh://admin@box")]));
        Assert.False(c[0].Applies);
        Assert.Equal("ssh://admin@box", c[0].Display);
        Assert.Contains("DOCKER_HOST is not usable", c[0].Why, StringComparison.Ordinal);
        Assert.Contains("ssh endpoints are not supported", c[0].Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Tcp_docker_host_takes_tls_from_the_environment()
    {
        var c = EndpointCandidates.ForDocker(FakeDaemon.Settings(environment: [("DOCKER_HOST", "tcp://box"), ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", "/certs")]));
        Assert.True(c[0].Endpoint!.UsesTls);
        Assert.Equal(2376, c[0].Endpoint!.Port);
        Assert.Contains("TLS", c[0].Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Relative_xdg_runtime_dir_does_not_apply()
    {
        var c = EndpointCandidates.ForDocker(FakeDaemon.Settings(environment: [("XDG_RUNTIME_DIR", "run/user")]));
        Assert.False(c[2].Applies);
        Assert.Contains("not an absolute path", c[2].Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Podman_order()
    {
        var none = EndpointCandidates.ForPodman(FakeDaemon.Settings());
        Assert.Equal(["CONTAINER_HOST", "default", "rootless"], none.Select(x => x.Source));
        Assert.Equal([false, true, false], none.Select(x => x.Applies));
        Assert.Equal("CONTAINER_HOST is not set", none[0].Why);
        Assert.Equal("unix:///run/podman/podman.sock", none[1].Endpoint!.ToString());

        var all = EndpointCandidates.ForPodman(FakeDaemon.Settings(environment: [("CONTAINER_HOST", "unix:///run/user/1000/podman/podman.sock"), ("XDG_RUNTIME_DIR", "/run/user/1000/")]));
        Assert.Equal(["unix:///run/user/1000/podman/podman.sock", "unix:///run/podman/podman.sock", "unix:///run/user/1000/podman/podman.sock"], all.Select(x => x.Endpoint!.ToString()));
        Assert.All(all, x => Assert.Equal(DockerEngineKind.Podman, x.Engine));
    }

    [Fact]
    public void Docker_host_is_not_a_podman_candidate_of_its_own()
    {
        // Podman finds a DOCKER_HOST that is Podman through the docker list (see the provider tests).
        var c = EndpointCandidates.ForPodman(FakeDaemon.Settings(dockerHost: "unix:///x.sock"));
        Assert.DoesNotContain(c, x => x.Display == "unix:///x.sock");
    }

    [Fact]
    public void Plan_marks_duplicates_through_symlinks_and_adds_the_other_engines_new_sockets()
    {
        // /var/run -> /run: DOCKER_HOST=unix:///run/docker.sock is the default socket under another name.
        var fs = new FakeHostFileSystem([], new Dictionary<string, string> { ["/var/run"] = "/run" });
        var provider = new DockerRuntimeProvider(fs, TimeProvider.System);
        var plan = provider.Plan(FakeDaemon.Settings(dockerHost: "unix:///run/docker.sock"));
        Assert.Equal(
            ["unix:///run/docker.sock", "unix:///var/run/docker.sock", "$XDG_RUNTIME_DIR/docker.sock", "unix:///run/podman/podman.sock"],
            plan.Select(p => p.Candidate.Display));
        Assert.True(plan[0].Probe);
        Assert.False(plan[1].Probe);
        Assert.Same(plan[0].Candidate, plan[1].DuplicateOf);
        Assert.False(plan[2].Probe);
        Assert.True(plan[3].Foreign);
        Assert.True(plan[3].Probe);
    }

    [Fact]
    public void Plan_drops_other_engine_candidates_already_on_the_own_list()
    {
        // podman-docker: /var/run/docker.sock -> /run/podman/podman.sock. Podman probes it once, as its own default.
        var fs = new FakeHostFileSystem([], new Dictionary<string, string> { ["/var/run/docker.sock"] = "/run/podman/podman.sock" });
        var plan = new PodmanRuntimeProvider(fs, TimeProvider.System).Plan(FakeDaemon.Settings());
        Assert.Equal(["$CONTAINER_HOST", "unix:///run/podman/podman.sock", "$XDG_RUNTIME_DIR/podman/podman.sock"], plan.Select(p => p.Candidate.Display));
    }
}
