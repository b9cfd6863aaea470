using ContainerForensics.Core;

namespace ContainerForensics.Cli.Commands;

/// <summary><c>--password-file</c>: the password is the file's first line, so it never shows in the process list.</summary>
internal static class PasswordFile
{
    public static string Read(string path)
    {
        try
        {
            string first = File.ReadLines(path).FirstOrDefault() ?? "";
            return first.Length > 0 ? first : throw new CfirException(ExitCode.UsageError, $"--password-file: {path} is empty");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CfirException(ExitCode.UsageError, $"--password-file: {ex.Message}");
        }
    }
}
