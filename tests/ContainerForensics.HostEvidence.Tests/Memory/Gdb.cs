using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ContainerForensics.HostEvidence.Tests.Memory;

/// <summary>
/// gdb in batch mode on a core file, as an independent reader of what was written. The limit
/// is a hang guard, not a timing assertion.
/// </summary>
internal static partial class Gdb
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    public static string? Path => new[] { "/usr/bin/gdb", "/usr/local/bin/gdb" }.FirstOrDefault(File.Exists);

    internal sealed record Output(int ExitCode, string Stdout, string Stderr)
    {
        public string All => Stdout + "\n" + Stderr;
    }

    /// <summary>Runs <c>gdb -batch -nx -c core</c> with the given commands.</summary>
    public static Output Run(string core, params string[] commands) =>
        Tool(Path ?? throw new InvalidOperationException("gdb is not installed"),
             ["-batch", "-nx", "-c", core, .. commands.SelectMany(c => new[] { "-ex", c })]);

    /// <summary>readelf from binutils, when installed (a second independent reader of the headers).</summary>
    public static string? ReadElfPath => new[] { "/usr/bin/readelf", "/usr/local/bin/readelf" }.FirstOrDefault(File.Exists);

    public static Output Tool(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        // No debuginfod lookups over the network.
        psi.Environment["DEBUGINFOD_URLS"] = "";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Limit))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within {Limit}");
        }
        p.WaitForExit();
        return new Output(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The load segments of "maintenance info sections": [start, end) of every loadN section.</summary>
    public static HashSet<(ulong Start, ulong End)> LoadSections(string output)
    {
        var set = new HashSet<(ulong, ulong)>();
        foreach (Match m in LoadSection().Matches(output))
        {
            set.Add((ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                     ulong.Parse(m.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
        }
        return set;
    }

    // " [3]      0x55d6df92c000->0x55d6df92e000 at 0x00001000: load1 ALLOC LOAD READONLY HAS_CONTENTS"
    [GeneratedRegex(@"0x([0-9a-f]+)->0x([0-9a-f]+) at 0x[0-9a-f]+: load\d+[a-z]?\b")]
    private static partial Regex LoadSection();
}
