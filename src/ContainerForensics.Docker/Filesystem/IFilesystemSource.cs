using ContainerForensics.Core.FileSystem.Trees;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>
/// Where one part of a container's filesystem is read from: a host directory walked directly,
/// or an engine API stream. Chosen by <see cref="FilesystemPlanner"/>, named in
/// <c>filesystem-source.json</c>, run once. Disposing releases what it holds open (a walk root).
/// </summary>
internal interface IFilesystemSource : IDisposable
{
    /// <summary>Short name for the record, e.g. "overlay upperdir", "engine API: /export".</summary>
    string Name { get; }

    /// <summary>The host directory or the API call(s) read.</summary>
    string Path { get; }

    Task<SourceResult> CollectAsync(IEvidenceSink sink, CancellationToken cancellationToken);
}
