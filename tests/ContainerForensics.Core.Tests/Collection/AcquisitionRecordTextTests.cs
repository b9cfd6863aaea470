using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Host;

namespace ContainerForensics.Core.Tests.Collection;

/// <summary>
/// The record is read by people and searched with grep: a key fingerprint with '+' and '/' (as
/// ssh-keygen -l prints it) and a non-ASCII examiner appear as they are, while a hostile note's
/// quote, backslash and control characters stay escaped and the JSON reads back to the same
/// strings. (A fingerprint with '+' once came out as "\u002B" and no grep found it.)
/// </summary>
public sealed class AcquisitionRecordTextTests
{
    [Fact]
    public void Fingerprints_and_names_are_written_as_they_read_and_hostile_text_stays_escaped()
    {
        const string fingerprint = "SHA256:zWAI83hFqF+zkZ9CcQ/x<&'>";
        const string examiner = "Zoë Ångström";
        const string note = "quote \" backslash \\ bell \u0007 newline \n end";
        var info = new AcquisitionInfo
        {
            ToolName = "cfir", ToolVersion = "1", ToolCommit = "c", CommandLine = ["cfir", "collect"], FormatVersion = "cfir-evidence/1.1", OutputDescription = "stdout",
            Examiner = examiner, Note = note,
            Sealing = new SealingInfo(SigningKeyFingerprint: fingerprint, SigningKeyType: "ssh-ed25519", SigningKeySource: "file"),
        };

        byte[] json = AcquisitionRecord.Build(info, new HostFacts { Hostname = "h" }, new DiscoveryResult([], explicitRequest: false), new CollectionOptions(), new UnixTime(1_764_000_000, 5), TimeProvider.System);
        string text = Encoding.UTF8.GetString(json);

        Assert.Contains($"\"fingerprint\": \"{fingerprint}\"", text, StringComparison.Ordinal);
        Assert.Contains($"\"examiner\": \"{examiner}\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u002B", text, StringComparison.Ordinal);
        Assert.Contains("quote \\\" backslash \\\\ bell \\u0007 newline \\n end", text, StringComparison.Ordinal);

        using var doc = JsonDocument.Parse(json);
        Assert.Equal(note, doc.RootElement.GetProperty("note").GetString());
        Assert.Equal(fingerprint, doc.RootElement.GetProperty("sealing").GetProperty("signingKey").GetProperty("fingerprint").GetString());
    }
}
