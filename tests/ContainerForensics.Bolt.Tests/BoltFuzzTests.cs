using ContainerForensics.Bolt.Tests.Fixtures;
using Xunit.Abstractions;

namespace ContainerForensics.Bolt.Tests;

/// <summary>Thousands of damaged files: never an exception but <see cref="BoltFormatException"/> from Open, never a hang, bounded memory.</summary>
public sealed class BoltFuzzTests(ITestOutputHelper output)
{
    /// <summary>Every shape at once: inline and nested buckets, an overflow value, three levels of branch pages.</summary>
    internal static BuiltFile Sample()
    {
        var builder = new BoltFileBuilder { PageSize = 1024, MaxElementsPerPage = 8, TxId = 41 };
        var v1 = builder.Root.Bucket("v1");
        for (int c = 0; c < 12; c++)
        {
            var container = v1.Bucket("default").Bucket("containers").Bucket($"cfir-test-{c:D2}");
            container.Put("image", "docker.io/cfir-test/busybox:latest").Put("snapshotKey", $"cfir-test-{c:D2}");
            container.Bucket("labels").Put("a", "b").Put("org.cfir", $"{c}");
            if (c % 4 == 0)
            {
                container.Put(System.Text.Encoding.ASCII.GetBytes("spec"), new byte[3000 + c]);
            }
        }
        var many = builder.Root.Bucket("many");
        for (int i = 0; i < 200; i++)
        {
            many.Put($"key{i:D4}", $"value{i}");
        }
        return builder.Build();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Damaged_built_files_never_throw_hang_or_balloon(int seed)
    {
        var file = Sample();
        var report = new MutationFuzzer(file.Bytes, file.PageSize, file.HighWaterMark, seed) { MaxAllocatedPerCase = 16 << 20 }
            .Run(1200, TimeSpan.FromSeconds(90));
        output.WriteLine(report.ToString());
        Assert.True(report.Opened > report.Refused);
        Assert.True(report.SlowestCase < TimeSpan.FromSeconds(5), report.ToString());
    }

    [Fact]
    public void Damaged_files_under_tight_limits_never_throw_hang_or_balloon()
    {
        var file = Sample();
        var limits = new BoltLimits { MaxDepth = 4, MaxPageReads = 50, MaxValueBytes = 100, MaxPageBytes = 2048, CachedPages = 2, MaxCacheBytes = 4096, MaxProblems = 5 };
        var report = new MutationFuzzer(file.Bytes, file.PageSize, file.HighWaterMark, 7) { Limits = limits, MaxAllocatedPerCase = 4 << 20 }
            .Run(800, TimeSpan.FromSeconds(60));
        output.WriteLine(report.ToString());
        Assert.True(report.Opened > 0);
    }
}
