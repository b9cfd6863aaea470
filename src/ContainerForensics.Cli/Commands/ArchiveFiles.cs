using ContainerForensics.Cli.Hosting;
using ContainerForensics.Core;
using ContainerForensics.Evidence.Output;

namespace ContainerForensics.Cli.Commands;

/// <summary>
/// What the commands that read a finished archive (report, timeline) share: the archive named
/// as a file, reading it with a damaged archive said in one line, and their own output opened
/// without ever replacing a file.
/// </summary>
internal static class ArchiveFiles
{
    /// <summary>The archive's full path; anything but an existing file is exit 5 with one line.</summary>
    public static string Resolve(string archive, CliEnvironment env)
    {
        string path = Path.GetFullPath(archive, env.WorkingDirectory);
        if (Directory.Exists(path) || !File.Exists(path))
        {
            throw new CfirException(ExitCode.VerificationFailed, $"{path} is not an archive file");
        }
        return path;
    }

    /// <summary>
    /// Runs <paramref name="read"/> over the archive at <paramref name="path"/>. A damaged
    /// archive throws whatever its decoder throws on bad data (EvidenceArchiveReader's remarks):
    /// exit 5 naming it. A failed write of the command's own output (a closed pipe) is exit 4.
    /// </summary>
    public static T Read<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (OutputWriteException ex)
        {
            throw new CfirException(ExitCode.OutputError, ex.Message);
        }
        catch (Exception ex) when (ex is not CfirException and not OutOfMemoryException)
        {
            throw new CfirException(ExitCode.VerificationFailed, $"{path}: the archive cannot be read to its end: {ex.Message}");
        }
    }

    /// <summary>stdout for null or "-", else a new file: cfir never overwrites one (exit 4).</summary>
    public static Stream OpenOutput(string? output, CliEnvironment env)
    {
        if (output is null or "-")
        {
            return env.OpenStdout();
        }
        string full = Path.GetFullPath(output, env.WorkingDirectory);
        try
        {
            return new FileStream(full, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16);
        }
        catch (IOException ex)
        {
            throw new CfirException(ExitCode.OutputError, $"{full}: {ex.Message} (cfir never overwrites a file)");
        }
    }
}
