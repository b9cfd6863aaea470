using System.Text.Json;

namespace ContainerForensics.Docker.Api;

/// <summary>
/// The daemon's <c>GET /version</c> answer (https://docs.docker.com/reference/api/engine/version/v1.41/#tag/System/operation/SystemVersion),
/// raw and parsed, and what it tells about the engine behind the socket.
/// </summary>
public sealed class DockerVersion
{
    private DockerVersion(DockerJson raw)
    {
        Raw = raw;
        var root = raw.Root;
        Version = Json.String(root, "Version");
        ApiVersion = DockerApiVersion.TryParse(Json.String(root, "ApiVersion"), out var api) ? api : null;
        MinApiVersion = DockerApiVersion.TryParse(Json.String(root, "MinAPIVersion"), out var min) ? min : null;
        Os = Json.String(root, "Os");
        Arch = Json.String(root, "Arch");
        KernelVersion = Json.String(root, "KernelVersion");
        GitCommit = Json.String(root, "GitCommit");
        PlatformName = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("Platform", out var p) ? Json.String(p, "Name") : null;
        foreach (var component in Json.Array(root, "Components"))
        {
            string? name = Json.String(component, "Name");
            if (name is null)
            {
                continue;
            }
            ComponentNames.Add(name);
            // Podman's compat /version lists itself as "Podman Engine" with the libpod API version
            // (4.3.1 on the rig) in Details.APIVersion; Docker's component is just "Engine".
            if (name.Equals("Podman Engine", StringComparison.OrdinalIgnoreCase) &&
                component.TryGetProperty("Details", out var details))
            {
                LibpodApiVersion = Json.String(details, "APIVersion");
            }
        }
        raw.Headers.TryGetValue("Libpod-Api-Version", out var headerLibpod);
        LibpodApiVersion ??= string.IsNullOrEmpty(headerLibpod) ? null : headerLibpod;
        IsPodman = ComponentNames.Any(n => n.Equals("Podman Engine", StringComparison.OrdinalIgnoreCase)) ||
                   (PlatformName?.Contains("podman", StringComparison.OrdinalIgnoreCase) ?? false) ||
                   (Version?.Contains("podman", StringComparison.OrdinalIgnoreCase) ?? false) ||
                   headerLibpod is not null;
    }

    /// <summary>The body byte-exact, for the archive (<c>version.json</c>).</summary>
    public DockerJson Raw { get; }

    /// <summary>The engine's own version: "20.10.24+dfsg1" for Docker, "4.3.1" for Podman.</summary>
    public string? Version { get; }

    /// <summary>The newest Engine API version the daemon speaks; null when it does not say.</summary>
    public DockerApiVersion? ApiVersion { get; }

    public DockerApiVersion? MinApiVersion { get; }

    public string? Os { get; }

    public string? Arch { get; }

    public string? KernelVersion { get; }

    public string? GitCommit { get; }

    public string? PlatformName { get; }

    public List<string> ComponentNames { get; } = [];

    /// <summary>Podman's own (libpod) API version, for the <c>/v4.x/libpod/...</c> endpoints.</summary>
    public string? LibpodApiVersion { get; }

    /// <summary>
    /// The socket is Podman's Docker-compatible service: a "Podman Engine" component, "Podman" in
    /// the platform or version name, or a <c>Libpod-Api-Version</c> response header.
    /// </summary>
    public bool IsPodman { get; }

    /// <summary>docker or podman: the runtime name this daemon is reported under.</summary>
    public string RuntimeName => IsPodman ? "podman" : "docker";

    public static DockerVersion Parse(DockerJson raw) => new(raw);
}
