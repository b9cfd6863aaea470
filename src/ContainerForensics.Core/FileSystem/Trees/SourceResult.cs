namespace ContainerForensics.Core.FileSystem.Trees;

/// <summary>
/// How one filesystem source ended: how many items it handed over and, when it broke off before
/// its end (a layer directory removed under the walk, an export stream cut), why. A broken
/// source is not an exception: what was captured stays, the failure is recorded, and the
/// collector asks the engine whether the container still exists.
/// <see cref="Failure"/> says what broke; <see cref="Cause"/> carries the details (recorded together).
/// </summary>
public sealed record SourceResult(int Items, string? Failure = null, Exception? Cause = null, int? Errno = null)
{
    public bool Broken => Failure is not null;

    /// <summary>The failure with its cause's message, for a message that stands alone.</summary>
    public string Describe() => Cause is null ? Failure ?? "" : $"{Failure}: {Cause.Message}";
}
