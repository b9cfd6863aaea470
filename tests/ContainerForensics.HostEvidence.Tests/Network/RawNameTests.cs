using System.Text;
using ContainerForensics.HostEvidence.Network.Parsing;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerForensics.HostEvidence.Tests.Network;

public sealed class RawNameTests
{
    [Theory]
    [InlineData("eth0", "eth0", true)]
    [InlineData("caf\u00e9", "caf\u00e9", true)]
    [InlineData("a\nb", @"a\x0Ab", false)]
    [InlineData("a\\b", @"a\\b", false)]
    [InlineData("\u202Egnp.exe", @"\xE2\x80\xAEgnp.exe", false)]
    [InlineData("x\u2028y", @"x\xE2\x80\xA8y", false)]
    [InlineData("\u0085", @"\xC2\x85", false)]
    public void Display_escapes_what_could_mislead_a_reader(string text, string display, bool plain)
    {
        var name = new RawName(Encoding.UTF8.GetBytes(text));
        Assert.Equal((display, plain), (name.Display, name.IsPlain));
    }

    [Fact]
    public void Any_bytes_display_as_one_line_of_printable_text_and_plain_means_identical()
    {
        Prop.ForAll<byte[]>(bytes =>
        {
            bytes ??= [];
            var name = new RawName(bytes);
            bool oneLine = name.Display.All(c => !char.IsControl(c) && c is not '\u2028' and not '\u2029');
            bool plainIsExact = !name.IsPlain || Encoding.UTF8.GetBytes(name.Display).AsSpan().SequenceEqual(bytes);
            return oneLine && plainIsExact && Convert.FromBase64String(name.Base64).AsSpan().SequenceEqual(bytes);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }
}
