namespace ContainerForensics.Cli.Tests.Support;

/// <summary>
/// The watch tests on real engines run alone, one after another, with nothing else beside them:
/// they measure whether a container that lives a second is caught, and start hundreds of
/// containers of their own, which neither the other tests' load nor theirs should bend.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WatchAlone
{
    public const string Name = "watch on real engines, alone";
}
