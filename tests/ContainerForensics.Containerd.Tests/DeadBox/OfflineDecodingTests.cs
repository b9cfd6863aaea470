using ContainerForensics.Containerd.Offline;
using ContainerForensics.Core;
using ContainerForensics.Core.Runtimes;
using Xunit;

namespace ContainerForensics.Containerd.Tests.DeadBox;

/// <summary>The value formats of containerd's databases, and the provider's dead-box option, without an engine.</summary>
public sealed class OfflineDecodingTests
{
    [Fact]
    public void GoBinaryTime_VersionsOneAndTwo_AreTheInstantWithNanoseconds()
    {
        // time.Date(2026, 12, 7, 5, 54, 58, 289912172, time.UTC).MarshalBinary(): version 1, offset -1 (UTC).
        byte[] v1 = Convert.FromBase64String("AQAAAA7iqEEyEUe1bP//");
        Assert.Equal("2026-12-07T05:54:58.289912172Z", GoTime.Decode(v1, out _)!.Value.ToIso8601());
        // Version 2 adds a seconds byte to the offset; the instant is the same.
        byte[] v2 = [2, .. v1[1..13], 0, 60, 30];
        Assert.Equal("2026-12-07T05:54:58.289912172Z", GoTime.Decode(v2, out _)!.Value.ToIso8601());
        Assert.Null(GoTime.Decode(v1[..14], out string? cut));
        Assert.Contains("15", cut, StringComparison.Ordinal);
        Assert.Null(GoTime.Decode([9, .. v1[1..]], out _));
    }

    [Fact]
    public void GoVarints_SignedAndUnsigned_OnlyWhole()
    {
        Assert.Equal(2117632L, GoVarint.Signed(Convert.FromBase64String("gMCCAg==")));
        Assert.Equal(302L, GoVarint.Signed(Convert.FromBase64String("3AQ=")));
        Assert.Equal(-1L, GoVarint.Signed([1]));
        Assert.Equal(3UL, GoVarint.Unsigned([3]));
        Assert.Null(GoVarint.Unsigned([0x80]));        // cut short
        Assert.Null(GoVarint.Unsigned([3, 0]));        // trailing bytes
        Assert.Null(GoVarint.Unsigned([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])); // past 64 bits
    }

    [Theory]
    [InlineData("db-running", true)]
    [InlineData("k8s.io", true)]
    [InlineData("../etc", false)]
    [InlineData("a/b", false)]
    [InlineData("", false)]
    [InlineData("-lead", false)]
    public void Identifiers_AreContainerdsRule(string name, bool valid) => Assert.Equal(valid, Identifiers.IsValid(name));

    [Theory]
    [InlineData("sha256:e37e112f15331518d162d608ab17b3a7209f1c149e95b3e790df1c7cc9e0f287", true)]
    [InlineData("sha256:../../etc/passwd", false)]
    [InlineData("sha256:E37E112F15331518D162D608AB17B3A7209F1C149E95B3E790DF1C7CC9E0F287", false)]
    [InlineData("sha256:e37e", false)]
    [InlineData("md5:e37e112f15331518d162d608ab17b3a7", false)]
    public void Digests_NameContentFilesOnlyWhenWellFormed(string digest, bool valid) => Assert.Equal(valid, Identifiers.IsDigest(digest));

    [Fact]
    public async Task ContainerdRoot_WithoutRoot_IsAUsageError()
    {
        var settings = new RuntimeSettings().With(ContainerdOptions.Root, "/var/lib/containerd");
        var ex = await Assert.ThrowsAsync<CfirException>(() => new ContainerdRuntimeProvider([]).ProbeAsync(settings, default));
        Assert.Equal(ExitCode.UsageError, ex.ExitCode);
    }

    [Fact]
    public void PodFolder_IsTheKubeletsName()
    {
        var pod = OfflineInventory.ParsePodFolder("cfir-deadbox_web_9f9f5211-cbda-492f-b974-6a87c42d7a06");
        Assert.Equal(("cfir-deadbox", "web", "9f9f5211-cbda-492f-b974-6a87c42d7a06"), (pod!.Namespace, pod.Name, pod.Uid));
        Assert.Null(OfflineInventory.ParsePodFolder("no-underscores"));
    }
}
