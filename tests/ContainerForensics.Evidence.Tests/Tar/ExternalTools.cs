using System.Diagnostics;
using System.Text;

namespace ContainerForensics.Evidence.Tests.Tar;

/// <summary>
/// Runs real tools (GNU tar, stat, du) as the independent oracle for our archives. The C locale
/// keeps GNU tar from converting names: bytes in, bytes out.
/// </summary>
internal static class ExternalTools
{
    public sealed record Result(int ExitCode, byte[] StdOut, string StdErr)
    {
        public string Text => Encoding.UTF8.GetString(StdOut);
    }

    public static Result Run(string workingDirectory, string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["LC_ALL"] = "C";
        info.Environment["TZ"] = "UTC";
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        string stderr = process.StandardError.ReadToEnd();
        copy.GetAwaiter().GetResult();
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.ToArray(), stderr);
    }

    /// <summary>Runs and asserts success, returning stdout as text.</summary>
    public static string RunOk(string workingDirectory, string fileName, params string[] arguments)
    {
        var result = Run(workingDirectory, fileName, arguments);
        Assert.True(result.ExitCode == 0, $"{fileName} {string.Join(' ', arguments)} exited {result.ExitCode}: {result.StdErr}");
        return result.Text;
    }

    /// <summary>GNU tar; warnings about unknown keywords (hdrcharset) are expected and silenced.</summary>
    public static Result Tar(string workingDirectory, params string[] arguments) =>
        Run(workingDirectory, "tar", ["--warning=no-unknown-keyword", .. arguments]);

    public static string TarOk(string workingDirectory, params string[] arguments)
    {
        var result = Tar(workingDirectory, arguments);
        Assert.True(result.ExitCode == 0, $"tar {string.Join(' ', arguments)} exited {result.ExitCode}: {result.StdErr}");
        Assert.True(result.StdErr.Length == 0, $"tar {string.Join(' ', arguments)} warned: {result.StdErr}");
        return result.Text;
    }

    /// <summary>stat(1) of an ASCII path: nanosecond times and device numbers (find cannot print rdev).</summary>
    public static StatInfo Stat(string workingDirectory, string path)
    {
        string line = RunOk(workingDirectory, "stat", "--format=%.9Y|%a|%u|%g|%s|%b|%F|%t|%T|%i|%h|%.9X", "--", path).Trim();
        return StatInfo.Parse(line);
    }

    public sealed record StatInfo(string MTime, string Mode, long Uid, long Gid, long Size, long Blocks512, string FileType,
        int Major, int Minor, long Inode, int Links, string ATime)
    {
        public static StatInfo Parse(string line)
        {
            var f = line.Split('|');
            return new StatInfo(f[0], f[1], long.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture),
                long.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture), long.Parse(f[4], System.Globalization.CultureInfo.InvariantCulture),
                long.Parse(f[5], System.Globalization.CultureInfo.InvariantCulture), f[6],
                Convert.ToInt32(f[7], 16), Convert.ToInt32(f[8], 16), long.Parse(f[9], System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(f[10], System.Globalization.CultureInfo.InvariantCulture), f[11]);
        }
    }
}
