using ContainerForensics.TestSupport;

namespace ContainerForensics.Cli.Tests.Support;

/// <summary>
/// A test that needs several engines of the rig at once (cfir list of everything). Same rules
/// as <see cref="EngineFactAttribute"/>: skipped outside CI when one is missing, run (and
/// failing) in CI.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class EnginesFactAttribute : FactAttribute
{
    public EnginesFactAttribute(params Engine[] engines)
    {
        if (RigEnvironment.IsCi)
        {
            return;
        }
        var missing = engines.Select(EngineFactAttribute.EngineMissing).OfType<string>().ToList();
        if (missing.Count > 0)
        {
            Skip = string.Join("; ", missing);
        }
    }
}
