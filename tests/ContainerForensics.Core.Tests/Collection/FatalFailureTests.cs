using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Core.Tests.Collection;

/// <summary>
/// One rule for what a failure boundary lets through (<see cref="Failures"/>): cancellation, a
/// vanished container and a broken output leave a step; only the output (and cancellation)
/// ends the run. Any other <see cref="CfirException"/> is one step's failure.
/// </summary>
public sealed class FatalFailureTests
{
    public static TheoryData<Exception, bool, bool> Cases => new()
    {
        { new OperationCanceledException(), true, false },
        { new ContainerGoneException("c1", "gone"), true, false },
        { new ArchiveOutputException("disk full"), true, true },
        { new CfirException(ExitCode.UsageError, "bad value"), false, false },
        { new CfirException(ExitCode.OutputError, "an output error that is not the archive writer's"), false, false },
        { new IOException("read failed"), false, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_rule(Exception exception, bool fatal, bool stopsRun)
    {
        Assert.Equal(fatal, Failures.IsFatal(exception));
        Assert.Equal(stopsRun, Failures.StopsRun(exception));
    }

    [Fact]
    public async Task A_CfirException_that_is_not_the_output_fails_one_container_s_phase_and_the_run_goes_on()
    {
        var runtime = new FakeRuntime(RuntimeLocality.ThisHost("test"), FakeRuntime.Running("a", 10), FakeRuntime.Running("b", 11))
        {
            Fail = (c, phase) => c.Name == "a" && phase == CollectionPhase.Metadata ? new CfirException(ExitCode.UsageError, "a bad answer") : null,
        };
        var writer = new RecordingArchiveWriter();

        var result = await new CollectionRunner(TimeProvider.System, Serilog.Core.Logger.None, ICollectionProgress.None)
            .RunAsync([runtime], new CollectionOptions(), writer, default);

        Assert.Equal(1, result.Failures);
        Assert.Contains(writer.Errors, e => e.Message.Contains("a bad answer", StringComparison.Ordinal));
        Assert.Contains("Logs a", runtime.Calls);
        Assert.Contains("Metadata b", runtime.Calls);
    }

    [Fact]
    public async Task A_broken_output_ends_the_run()
    {
        var runtime = new FakeRuntime(RuntimeLocality.ThisHost("test"), FakeRuntime.Running("a", 10), FakeRuntime.Running("b", 11))
        {
            Fail = (c, phase) => c.Name == "a" && phase == CollectionPhase.Metadata ? new ArchiveOutputException("disk full") : null,
        };

        await Assert.ThrowsAsync<ArchiveOutputException>(() => new CollectionRunner(TimeProvider.System, Serilog.Core.Logger.None, ICollectionProgress.None)
            .RunAsync([runtime], new CollectionOptions(), new RecordingArchiveWriter(), default));

        Assert.DoesNotContain("Logs a", runtime.Calls);
        Assert.DoesNotContain("Logs b", runtime.Calls);
    }
}
