using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.FileSystem.Trees;

namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>
/// A container's whole filesystem from a disk image: the <c>&lt;driver&gt;/&lt;id&gt;/diff</c> folders of
/// its layer chain (the container's layer, then its parents as <c>layers.json</c> chains them),
/// stacked top-down with Core's <see cref="LayerStack"/> as overlayfs would merge them, whiteouts
/// and opaque directories applied, nothing mounted: the same merge as Docker's dead-box
/// <c>--filesystem full</c>. A layer folder that is not a directory (a planted link) or cannot be
/// opened is left out of the stack, and the run records that the merged view is incomplete.
/// </summary>
internal sealed class PodmanLayerChain : IDisposable
{
    private readonly LayerStack _stack;
    private readonly string _description;

    private PodmanLayerChain(LayerStack stack, IReadOnlyList<string> problems, string description)
    {
        _stack = stack;
        Problems = problems;
        _description = description;
    }

    /// <summary>What is missing from the merged view (a layer that could not be opened, a chain cut short), each an error of the run.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>The chain's layers opened, topmost first; null (with why) when not even the container's own layer opens.</summary>
    /// <param name="broken">Why layers.json's chain ended early, or null.</param>
    public static PodmanLayerChain? Open(PodmanDataRoot root, IReadOnlyList<StorageLayer> chain, string? broken, FilesystemSourceRecord record, out string? problem)
    {
        var problems = new List<string>();
        var layers = new List<StackLayer>();
        for (int i = 0; i < chain.Count; i++)
        {
            string diff = root.Paths.LayerDir(chain[i].Id) + "/diff";
            string name = i == 0
                ? $"writable layer {root.Paths.Driver}/{chain[i].Id}/diff"
                : $"image layer {chain[i].Id}" + (chain[i].DiffDigest is { } digest ? $" (diff {digest})" : "") + $" {root.Paths.Driver}/{chain[i].Id}/diff";
            record.Notes.Add($"layer {i + 1} of {chain.Count}: {name} at {root.Image.Show(diff)}");
            if (OpenDirectory(root, diff, out string? why) is { } tree)
            {
                layers.Add(new StackLayer(tree, name) { UserXattrs = root.User is not null });
            }
            else if (i == 0)
            {
                foreach (var opened in layers)
                {
                    opened.Tree.Dispose();
                }
                problem = $"the container's own layer {root.Image.Show(diff)} cannot be opened: {why}";
                return null;
            }
            else
            {
                problems.Add($"the merged view is incomplete: {name} cannot be opened: {why}");
            }
        }
        if (broken is not null)
        {
            problems.Add($"the merged view is incomplete: the layer chain in layers.json ends early ({broken}); what lower layers held is missing");
        }
        problem = null;
        return new PodmanLayerChain(new LayerStack(layers), problems, $"the layers of {chain[0].Id} in {root.Image.Show(root.Paths.DataRoot)}");
    }

    public async Task CollectAsync(IEvidenceSink sink, CaptureLimits limits, CancellationToken cancellationToken)
    {
        foreach (var problem in Problems)
        {
            sink.RecordError(problem);
        }
        var result = await new LayerStackCollector
        {
            Section = EvidenceSection.FilesystemFull,
            Description = _description,
            Limits = limits,
        }.CollectAsync(_stack, sink, cancellationToken).ConfigureAwait(false);
        if (result.Broken)
        {
            sink.RecordError(result.Failure!, result.Cause, result.Errno);
        }
    }

    public void Dispose() => _stack.Dispose();

    /// <summary>Opens a layer folder of the image for a walk; a link or anything but a directory is not followed.</summary>
    internal static SafeTreeWalker? OpenDirectory(PodmanDataRoot root, string path, out string? why)
    {
        var stat = root.Image.Lstat(path, out int errno);
        if (stat is null)
        {
            why = $"{root.Image.Show(path)}: {UnixError.Describe(errno)}";
            return null;
        }
        if (stat.Kind != EntryKind.Directory)
        {
            why = $"{root.Image.Show(path)} is a {stat.Kind.ToString().ToLowerInvariant()}, not a directory: not followed";
            return null;
        }
        try
        {
            why = null;
            return root.Image.OpenTree(path);
        }
        catch (IOException ex)
        {
            why = ex.Message;
            return null;
        }
    }
}
