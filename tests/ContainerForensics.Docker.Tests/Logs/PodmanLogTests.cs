using ContainerForensics.Docker.Tests.Engine;
using ContainerForensics.TestSupport;
using Xunit.Abstractions;

namespace ContainerForensics.Docker.Tests.Logs;

/// <summary>
/// The logs phase against the rig's Podman 4.3 API service (compat API 1.41, conmon k8s-file
/// driver). No rotation scenario: k8s-file's <c>max-size</c> truncates <c>ctr.log</c> in place
/// and keeps no siblings.
/// </summary>
public sealed class PodmanLogTests : IAsyncLifetime
{
    private readonly EngineCli _cli = new(TestSupport.Engine.Podman);
    private readonly LogScenarios _scenarios;

    public PodmanLogTests(ITestOutputHelper output) => _scenarios = new LogScenarios(_cli, output);

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Stdout_and_stderr_are_kept_apart() => _scenarios.StdoutAndStderrAreKeptApart();

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Tty_container_gives_one_raw_tty_log() => _scenarios.TtyContainerGivesOneRawLog();

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Hundred_thousand_lines_all_in_order() => _scenarios.HundredThousandLinesAllInOrder();

    [EngineFact(TestSupport.Engine.Podman)]
    public Task K8s_file_is_captured_byte_exact() => _scenarios.RawLogFileIsByteExact();

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Logs_since_keeps_only_the_later_burst() => _scenarios.LogsSinceKeepsOnlyTheLaterBurst();

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Interleaved_stdout_and_stderr_match_one_call_per_stream() => _scenarios.InterleavedStreamsMatchOneCallPerStream();

    [EngineFact(TestSupport.Engine.Podman)]
    public Task Only_stderr_gives_an_empty_stdout_log() => _scenarios.OnlyStderrGivesAnEmptyStdout();

    [EngineFact(TestSupport.Engine.Podman)]
    public Task A_break_mid_stream_keeps_both_logs_partial() => _scenarios.BreakMidStreamKeepsBothPartial();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _scenarios.DisposeAsync();
        _cli.Dispose();
    }
}
