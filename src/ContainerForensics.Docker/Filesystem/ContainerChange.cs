using ContainerForensics.Core.FileSystem.Trees;
using System.Text.Json;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>One path of <c>GET /containers/{id}/changes</c>: what happened to it in the writable layer.</summary>
internal sealed record ContainerChange(string Path, ChangeKind Kind)
{
    /// <summary>
    /// The list, sorted by the paths' bytes so parents come before their children. Docker sends
    /// <c>null</c> for "no changes"; entries without a path or with an unknown kind are dropped
    /// (the raw answer is what the metadata phase keeps).
    /// </summary>
    public static IReadOnlyList<ContainerChange> ParseList(DockerJson raw)
    {
        if (raw.Root.ValueKind != JsonValueKind.Array)
        {
            return [];
        }
        var list = new List<ContainerChange>();
        foreach (var e in raw.Root.EnumerateArray())
        {
            if (Json.String(e, "Path") is { Length: > 0 } path && path[0] == '/' &&
                Json.Int64(e, "Kind") is long kind and >= 0 and <= 2)
            {
                list.Add(new ContainerChange(path, (ChangeKind)kind));
            }
        }
        list.Sort((a, b) => ContainerPath.FromApi(a.Path).AsSpan().SequenceCompareTo(ContainerPath.FromApi(b.Path)));
        return list;
    }
}
