namespace ContainerForensics.Cli.Hosting;

/// <summary>
/// The .NET runtime opens a diagnostic socket (<c>dotnet-diagnostic-PID-KEY-socket</c>) and two
/// debugger FIFOs (<c>clr-debug-pipe-PID-KEY-in/out</c>) in the temporary directory before
/// Main runs, and removes them only on an orderly exit. Only the environment can stop that
/// (<c>DOTNET_EnableDiagnostics=0</c>; runtimeconfig.json has no such setting), so cfir
/// unlinks its own as soon as it starts: nothing of them is left on the host however cfir
/// ends, and no other process can attach to cfir through them.
/// </summary>
internal static class RuntimeFiles
{
    public static void RemoveOwn(string temporaryDirectory, int pid)
    {
        string[] prefixes = [$"dotnet-diagnostic-{pid}-", $"clr-debug-pipe-{pid}-"];
        try
        {
            foreach (string path in Directory.EnumerateFileSystemEntries(temporaryDirectory))
            {
                string name = Path.GetFileName(path);
                if (prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
                {
                    File.Delete(path);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the runtime still removes them on an orderly exit.
        }
    }
}
