namespace ContainerForensics.TestSupport;

/// <summary>
/// The endpoints of the real-engine test rig. scripts/rig/up.sh starts the engines and writes
/// them to $CFIR_RIG_DIR/env (default /run/cfir-rig/env); scripts/test.sh sources that file.
/// When the variables are not set (a test run from an IDE), the env file is read directly.
/// </summary>
public static class RigEnvironment
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> FileValues = new(ReadEnvFile);

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? DockerHost => Get("CFIR_TEST_DOCKER_HOST");

    public static string? PodmanHost => Get("CFIR_TEST_PODMAN_HOST");

    public static string? ContainerdAddress => Get("CFIR_TEST_CONTAINERD_ADDRESS");

    public static string Image => Get("CFIR_TEST_IMAGE") ?? "cfir-test/busybox:latest";

    public static string? ContainerdImage => Get("CFIR_TEST_CONTAINERD_IMAGE");

    /// <summary>The CRI plugin's sandbox image (up.sh builds it from the test image).</summary>
    public static string PauseImage => Get("CFIR_TEST_PAUSE_IMAGE") ?? "registry.k8s.io/pause:3.6";

    /// <summary>The kind-like node image of the nested rig (scripts/rig/nested-images.sh).</summary>
    public static string KindNodeImage => Get("CFIR_TEST_KIND_NODE_IMAGE") ?? "cfir-test/kind-node:latest";

    /// <summary>The Docker-in-Docker image of the nested rig (scripts/rig/nested-images.sh).</summary>
    public static string DindImage => Get("CFIR_TEST_DIND_IMAGE") ?? "cfir-test/dind:latest";

    public static string? Get(string name)
    {
        var v = Environment.GetEnvironmentVariable(name);
        if (!string.IsNullOrEmpty(v))
        {
            return v;
        }
        return FileValues.Value.TryGetValue(name, out var f) && f.Length > 0 ? f : null;
    }

    /// <summary>The unix socket path behind an endpoint ("unix:///x" or "/x"), if it exists.</summary>
    public static string? SocketPath(string? endpoint)
    {
        if (endpoint is null)
        {
            return null;
        }
        string path = endpoint.StartsWith("unix://", StringComparison.Ordinal) ? endpoint["unix://".Length..] : endpoint;
        return new FileInfo(path).Exists ? path : null;
    }

    private static IReadOnlyDictionary<string, string> ReadEnvFile()
    {
        var dir = Environment.GetEnvironmentVariable("CFIR_RIG_DIR") ?? "/run/cfir-rig";
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var file = Path.Combine(dir, "env");
        if (!File.Exists(file))
        {
            return result;
        }
        foreach (var raw in File.ReadAllLines(file))
        {
            var line = raw.Trim();
            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line["export ".Length..];
            }
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || line.StartsWith('#'))
            {
                continue;
            }
            result[line[..eq]] = line[(eq + 1)..].Trim('"', '\'');
        }
        return result;
    }
}
