using System.Globalization;
using System.Text.Json;

namespace ContainerForensics.Docker.Api;

/// <summary>One entry of <c>GET /containers/json</c>, the fields cfir uses.</summary>
public sealed record ContainerSummary
{
    public required string Id { get; init; }

    /// <summary>As the daemon lists them, with the leading '/' (Docker adds "/linker/alias" for links).</summary>
    public IReadOnlyList<string> Names { get; init; } = [];

    public string? Image { get; init; }

    public string? ImageId { get; init; }

    /// <summary>created, running, paused, restarting, removing, exited, dead (lower-case as sent).</summary>
    public string? State { get; init; }

    /// <summary>Human text such as "Up 5 minutes".</summary>
    public string? Status { get; init; }

    /// <summary>Creation time; the list has whole seconds only (inspect has nanoseconds).</summary>
    public DateTimeOffset? Created { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The container's own name without the '/': the first name that is not a link alias
    /// ("/web" rather than "/proxy/web"), else the first name.
    /// </summary>
    public string? PrimaryName
    {
        get
        {
            var plain = Names.FirstOrDefault(n => n.TrimStart('/').Length > 0 && !n.TrimStart('/').Contains('/', StringComparison.Ordinal));
            return (plain ?? Names.FirstOrDefault())?.TrimStart('/');
        }
    }

    internal static IReadOnlyList<ContainerSummary> ParseList(DockerJson raw, string endpoint)
    {
        if (raw.Root.ValueKind != JsonValueKind.Array)
        {
            throw new DockerProtocolException(endpoint, raw.Call, $"expected a JSON array, got {raw.Root.ValueKind}");
        }
        var list = new List<ContainerSummary>();
        int index = 0;
        foreach (var e in raw.Root.EnumerateArray())
        {
            // A container we cannot name by id cannot be collected; dropping it silently would hide it.
            string id = Json.String(e, "Id") is { Length: > 0 } s
                ? s
                : throw new DockerProtocolException(endpoint, raw.Call, $"entry {index.ToString(CultureInfo.InvariantCulture)} of the list has no Id");
            list.Add(new ContainerSummary
            {
                Id = id,
                Names = Json.Strings(e, "Names"),
                Image = Json.String(e, "Image"),
                ImageId = Json.String(e, "ImageID"),
                State = Json.String(e, "State")?.ToLowerInvariant(),
                Status = Json.String(e, "Status"),
                Created = Json.Int64(e, "Created") is { } secs and >= 0 and < 253402300800 ? DateTimeOffset.FromUnixTimeSeconds(secs) : null,
                Labels = Json.StringMap(e, "Labels"),
            });
            index++;
        }
        return list;
    }
}
