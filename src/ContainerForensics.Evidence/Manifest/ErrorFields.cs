namespace ContainerForensics.Evidence.Manifest;

/// <summary>
/// The field names of an errors.jsonl record (docs/evidence-format.md, "The manifest"): written
/// by <see cref="ManifestWriter"/>, read back by the archive reader.
/// </summary>
public static class ErrorFields
{
    public const string Scope = "scope";
    public const string Message = "message";
    public const string Path = "path";
    public const string Runtime = "runtime";
    public const string ContainerId = "containerId";

    /// <summary>The nesting chain (<see cref="Core.Collection.Nesting.NestingFields"/>), for a failure about a nested runtime or its containers.</summary>
    public const string NestedIn = Core.Collection.Nesting.NestingFields.NestedIn;
    public const string Errno = "errno";
    public const string Exception = "exception";
    public const string At = "at";
}
