using ContainerForensics.Core.FileSystem.Trees;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Filesystem;

namespace ContainerForensics.Docker.Runtime;

/// <summary>
/// Filesystem phase: the writable layer (<c>--filesystem changed</c>) or the whole filesystem
/// (<c>full</c>), and the content of volumes (<c>--volumes</c>). Read-only on the source, always:
/// host directories are walked with <see cref="SafeTreeWalker"/> (a nested daemon's inside its
/// container, opened beneath its root: <see cref="HostPathAccess"/>), engine streams only read.
/// <list type="number">
/// <item>Inspect the container (<see cref="ContainerInspects"/>); <see cref="FilesystemPlanner"/> picks each source (host
/// directory first, engine API otherwise) and <c>metadata/filesystem-source.json</c> records the
/// choice before any file is collected.</item>
/// <item>The filesystem source runs, then each volume's.</item>
/// <item>A source that breaks off (its directory removed, its stream cut) keeps what it
/// captured; the failure is recorded and, when the engine no longer knows the container, the
/// phase ends with <see cref="ContainerGoneException"/> after the volumes, which outlive their
/// container, were read from their host directories.</item>
/// </list>
/// </summary>
internal sealed class DockerFilesystemCollector
{
    private readonly DockerClient _client;
    private readonly HostPathAccess _hostPaths;
    private readonly ContainerInspects _inspects;

    public DockerFilesystemCollector(DockerClient client, ContainerInspects? inspects = null)
        : this(client, HostPathAccess.For(client.Endpoint), inspects)
    {
    }

    /// <summary>With <paramref name="hostPaths"/> disabled every part comes from the engine API (tests; remote daemons).</summary>
    internal DockerFilesystemCollector(DockerClient client, HostPathAccess hostPaths, ContainerInspects? inspects = null)
    {
        _client = client;
        _hostPaths = hostPaths;
        _inspects = inspects ?? new ContainerInspects(client);
    }

    public async Task CollectAsync(ContainerInfo container, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        if (options.Filesystem == FilesystemMode.None && !options.Volumes)
        {
            return;
        }
        var inspect = await _inspects.CurrentAsync(container, cancellationToken).ConfigureAwait(false);
        var driver = GraphDriver.From(inspect);
        var mounts = ContainerMount.From(inspect);
        var limits = CaptureLimits.From(options);
        var planner = new FilesystemPlanner(_client, _hostPaths.At(container));
        var record = new FilesystemSourceRecord
        {
            Mode = options.Filesystem.ToString().ToLowerInvariant(),
            Engine = container.Runtime,
            GraphDriver = driver?.Name,
        };

        var sources = new List<IFilesystemSource>();
        try
        {
            IFilesystemSource? filesystem = options.Filesystem switch
            {
                FilesystemMode.Changed => await DockerEvidence.AboutContainerAsync(container,
                    () => planner.PlanChangedAsync(container.Id, driver, mounts, limits, record, cancellationToken)).ConfigureAwait(false),
                FilesystemMode.Full => planner.PlanFull(container.Id, inspect.State, driver, limits, record),
                _ => null,
            };
            if (filesystem is not null)
            {
                sources.Add(filesystem);
            }
            if (filesystem is ExportSource && planner.PlanExportSockets(driver, limits, record) is { } sockets)
            {
                sources.Add(sockets);
            }
            var volumes = planner.PlanVolumes(container.Id, mounts, options.Volumes, limits, record);
            sources.AddRange(volumes);
            await sink.AddAsync(record.ToItem(), cancellationToken).ConfigureAwait(false);

            ContainerGoneException? gone = null;
            foreach (var source in sources)
            {
                if (gone is not null && source is not WalkSource)
                {
                    sink.RecordError($"{source.Name} {source.Path} not read: the container is gone");
                    continue;
                }
                gone ??= await RunAsync(source, container, sink, cancellationToken).ConfigureAwait(false);
            }
            if (gone is not null)
            {
                throw gone;
            }
        }
        finally
        {
            foreach (var source in sources)
            {
                source.Dispose();
            }
        }
    }

    /// <summary>Runs one source; a failure is recorded, and returned as "gone" when the engine no longer knows the container.</summary>
    private async Task<ContainerGoneException?> RunAsync(IFilesystemSource source, ContainerInfo container, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        SourceResult result;
        try
        {
            result = await source.CollectAsync(sink, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerNotFoundException ex)
        {
            return Gone(container, $"{source.Name}: {ex.Message}", ex);
        }
        catch (DockerException ex)
        {
            result = new SourceResult(0, $"{source.Name} {source.Path} failed", ex);
        }
        if (!result.Broken)
        {
            return null;
        }
        sink.RecordError(result.Failure!, result.Cause, result.Errno);
        bool exists = await new ContainerProbe(_client, container.Id).ExistsAsync(cancellationToken).ConfigureAwait(false);
        return exists ? null : Gone(container, result.Describe(), result.Cause);
    }

    private static ContainerGoneException Gone(ContainerInfo container, string what, Exception? cause) =>
        new(container.Id, $"{container.Runtime} container {container.Id} was removed while its filesystem was collected: {what}", cause);
}
