using ContainerForensics.Report.Findings;

namespace ContainerForensics.Report.Tests;

/// <summary>
/// The rules' globs: <c>**</c> crosses '/', <c>*</c> does not, the rest is literal and the whole
/// text must match. The literal prefix checked first must never turn a match away.
/// </summary>
public sealed class GlobTests
{
    [Theory]
    [InlineData("/etc/cron.*/**", "/etc/cron.d/job", true)]
    [InlineData("/etc/cron.*/**", "/etc/cron.daily/sub/job", true)]
    [InlineData("/etc/cron.*/**", "/etc/crontab", false)]
    [InlineData("/etc/cron.*/**", "/etc/cron.d", false)]
    [InlineData("/home/*/.ssh/authorized_keys*", "/home/eve/.ssh/authorized_keys2", true)]
    [InlineData("/home/*/.ssh/authorized_keys*", "/home/a/b/.ssh/authorized_keys", false)]
    [InlineData("/etc/ld.so.preload", "/etc/ld.so.preload", true)]
    [InlineData("/etc/ld.so.preload", "/etc/ldXso.preload", false)]   // '.' is literal
    [InlineData("/etc/ld.so.preload", "/etc/ld.so.preload.bak", false)]
    [InlineData("/opt/**/webapps/**", "/opt/tomcat/9/webapps/ROOT/x.jsp", true)]
    [InlineData("/tmp/**", "/tmp", false)]
    [InlineData("/tmp/**", "/tmp/", true)]
    [InlineData("*.php", "shell.php", true)]
    [InlineData("*.php", "shell.php.txt", false)]
    [InlineData("*.php", "dir/shell.php", false)]
    [InlineData("**", "", true)]
    [InlineData("", "", true)]
    [InlineData("", "x", false)]
    public void Matches_the_whole_text(string glob, string text, bool expected) =>
        Assert.Equal(expected, Glob.Compile(glob).IsMatch(text));
}
