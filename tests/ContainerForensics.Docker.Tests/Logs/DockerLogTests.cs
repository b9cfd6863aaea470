using ContainerForensics.Docker.Tests.Engine;
using ContainerForensics.TestSupport;
using Xunit.Abstractions;

namespace ContainerForensics.Docker.Tests.Logs;

/// <summary>The logs phase against the rig's dockerd (20.10, API 1.41, json-file driver).</summary>
public sealed class DockerLogTests : IAsyncLifetime
{
    private readonly EngineCli _cli = new(TestSupport.Engine.Docker);
    private readonly LogScenarios _scenarios;

    public DockerLogTests(ITestOutputHelper output) => _scenarios = new LogScenarios(_cli, output);

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Stdout_and_stderr_are_kept_apart() => _scenarios.StdoutAndStderrAreKeptApart();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Tty_container_gives_one_raw_tty_log() => _scenarios.TtyContainerGivesOneRawLog();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Hundred_thousand_lines_all_in_order() => _scenarios.HundredThousandLinesAllInOrder();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Json_file_is_captured_byte_exact() => _scenarios.RawLogFileIsByteExact();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Rotated_json_files_are_captured() => _scenarios.RotatedSiblingsAreCaptured(compress: false);

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Compressed_rotated_json_files_are_captured_as_stored() => _scenarios.RotatedSiblingsAreCaptured(compress: true);

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Logs_since_keeps_only_the_later_burst() => _scenarios.LogsSinceKeepsOnlyTheLaterBurst();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Interleaved_stdout_and_stderr_match_one_call_per_stream() => _scenarios.InterleavedStreamsMatchOneCallPerStream();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task Only_stderr_gives_an_empty_stdout_log() => _scenarios.OnlyStderrGivesAnEmptyStdout();

    [EngineFact(TestSupport.Engine.Docker)]
    public Task A_break_mid_stream_keeps_both_logs_partial() => _scenarios.BreakMidStreamKeepsBothPartial();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _scenarios.DisposeAsync();
        _cli.Dispose();
    }
}
