namespace ContainerForensics.Evidence.Spooling;

/// <summary>
/// Makes the archive writer's spools where the run allows: in unnamed files in a directory
/// (beside a file output, or <c>--spool-dir</c>), or in memory under one budget when nothing
/// may be written on the host (<c>-o -</c>).
/// </summary>
internal sealed class SpoolFactory
{
    private readonly string? _directory;

    public SpoolFactory(string? directory, long memoryBudget)
    {
        _directory = directory;
        Budget = new SpoolBudget(memoryBudget);
    }

    /// <summary>True when spools are in memory.</summary>
    public bool InMemory => _directory is null;

    public SpoolBudget Budget { get; }

    /// <param name="compress">In memory: deflate full chunks. For spools read back in order (records); not for raw keys or content.</param>
    public TempSpool Create(string name, bool compress) =>
        _directory is null ? new MemorySpool(Budget, name, compress) : new FileSpool(_directory, name);
}
