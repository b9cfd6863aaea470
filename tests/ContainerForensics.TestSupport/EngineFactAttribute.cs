using Xunit;

namespace ContainerForensics.TestSupport;

/// <summary>The engines of the rig an integration test can need.</summary>
public enum Engine
{
    Docker,
    Podman,
    Containerd,
}

/// <summary>
/// A test against a real engine from the rig. Outside CI it is skipped, with the reason, when
/// the engine's socket is absent. In CI (CI=true) it is never skipped: a missing engine makes
/// the test run and fail, because a green CI without the engines would prove nothing.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class EngineFactAttribute : FactAttribute
{
    public EngineFactAttribute(Engine engine)
    {
        if (!RigEnvironment.IsCi && EngineMissing(engine) is { } why)
        {
            Skip = why;
        }
    }

    /// <summary>Real tools the test also needs (age, ssh-keygen): the same skip rules as <see cref="ToolFactAttribute"/>.</summary>
    public string[] Tools
    {
        get => field ?? [];
        init
        {
            field = value;
            Skip ??= ToolCheck.SkipReason(value);
        }
    }

    /// <summary>Null when the engine's socket exists, else why not.</summary>
    public static string? EngineMissing(Engine engine)
    {
        string? endpoint = engine switch
        {
            Engine.Docker => RigEnvironment.DockerHost,
            Engine.Podman => RigEnvironment.PodmanHost,
            Engine.Containerd => RigEnvironment.ContainerdAddress,
            _ => null,
        };
        if (endpoint is null)
        {
            return $"{engine} endpoint not set: run scripts/rig/up.sh (or scripts/test.sh)";
        }
        return RigEnvironment.SocketPath(endpoint) is null ? $"{engine} socket {endpoint} does not exist: run scripts/rig/up.sh" : null;
    }
}

/// <summary>A theory against a real engine; same skip rules as <see cref="EngineFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class EngineTheoryAttribute : TheoryAttribute
{
    public EngineTheoryAttribute(Engine engine)
    {
        if (!RigEnvironment.IsCi && EngineFactAttribute.EngineMissing(engine) is { } why)
        {
            Skip = why;
        }
    }
}

/// <summary>A test that needs root (device nodes, other users' files); skipped outside CI when not root, fails in CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!RigEnvironment.IsCi && Environment.UserName != "root")
        {
            Skip = "needs root";
        }
    }
}
