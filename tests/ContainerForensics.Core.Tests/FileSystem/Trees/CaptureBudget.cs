using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.FileSystem.Trees;

namespace ContainerForensics.Core.Tests.FileSystem.Trees;

/// <summary>
/// The process-wide budget of descriptors held by captures ahead of the writer: the test classes
/// that walk trees run one after the other (one xunit collection), so a test can check that
/// every permit came back.
/// </summary>
public static class CaptureBudget
{
    public const string Collection = "capture-ahead budget";

    public static void AssertWhole() => Assert.Equal(HostTreeCollector.AheadPermits(), HostTreeCollector.AheadAvailable);
}

public sealed class CaptureBudgetTests
{
    [Fact]
    public void The_open_file_limit_read_is_the_soft_limit_of_this_process()
    {
        string line = File.ReadLines("/proc/self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        string soft = line["Max open files".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        Assert.Equal(soft == "unlimited" ? null : long.Parse(soft, System.Globalization.CultureInfo.InvariantCulture), Native.OpenFileLimit());
        Assert.InRange(HostTreeCollector.AheadPermits(), 16, 1024);
    }
}
