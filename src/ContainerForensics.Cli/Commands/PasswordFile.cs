using ContainerForensics.Core;

namespace ContainerForensics.Cli.Commands;

/// <summary>
/// <c>--password-file</c>, <c>--sign-key-passphrase-file</c>, <c>--identity-passphrase-file</c>:
/// the secret is the file's first line, so it never shows in the process list.
/// </summary>
internal static class PasswordFile
{
    public static string Read(string path, string option = "--password-file")
    {
        try
        {
            string first = File.ReadLines(path).FirstOrDefault() ?? "";
            return first.Length > 0 ? first : throw new CfirException(ExitCode.UsageError, $"{option}: {path} is empty");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CfirException(ExitCode.UsageError, $"{option}: {ex.Message}");
        }
    }
}
