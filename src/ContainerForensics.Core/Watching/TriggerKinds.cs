using ContainerForensics.Core.Collection;

namespace ContainerForensics.Core.Watching;

/// <summary>
/// Which runtime action is which trigger, what <c>--trigger</c> accepts, and what each trigger
/// collects first. The actions are Docker's words, which every event source speaks
/// (containerd's topics are mapped to them by its runtime); Podman says <c>exec</c> where Docker
/// says <c>exec_start: CMD</c>.
/// </summary>
public static class TriggerKinds
{
    /// <summary>What <c>--trigger</c> means when it is not given.</summary>
    public static IReadOnlySet<TriggerKind> Default { get; } = new HashSet<TriggerKind> { TriggerKind.Start, TriggerKind.Exec, TriggerKind.Die, TriggerKind.Oom };

    /// <summary>Every trigger, in the order of <see cref="TriggerKind"/>.</summary>
    public static IReadOnlyList<TriggerKind> All { get; } = Enum.GetValues<TriggerKind>();

    /// <summary>The word for a trigger: start, exec, die, ...</summary>
    public static string Name(TriggerKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>
    /// A comma-separated list of trigger names (repeatable), or <c>any</c> for all of them.
    /// Throws <see cref="CfirException"/> (usage) for a word that is none.
    /// </summary>
    public static IReadOnlySet<TriggerKind> Parse(IEnumerable<string> lists)
    {
        ArgumentNullException.ThrowIfNull(lists);
        var result = new HashSet<TriggerKind>();
        foreach (string word in lists.SelectMany(l => l.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (word == "any")
            {
                result.UnionWith(All);
            }
            else if (All.Where(k => Name(k) == word).ToList() is [var kind])
            {
                result.Add(kind);
            }
            else
            {
                throw new CfirException(ExitCode.UsageError, $"--trigger: '{word}' is not a trigger (known: {string.Join(", ", All.Select(Name))}, any)");
            }
        }
        return result.Count > 0 ? result : throw new CfirException(ExitCode.UsageError, "--trigger: no trigger given");
    }

    /// <summary>The trigger a runtime's action is, or null when it is none (attach, destroy, health_status, ...).</summary>
    public static TriggerKind? Of(string action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return action switch
        {
            "create" => TriggerKind.Create,
            "start" => TriggerKind.Start,
            "exec_start" or "exec" => TriggerKind.Exec,
            "kill" => TriggerKind.Kill,
            "die" => TriggerKind.Die,
            "oom" => TriggerKind.Oom,
            // Docker: "exec_start: sh -c ..." (the command follows the colon).
            _ when action.StartsWith("exec_start:", StringComparison.Ordinal) => TriggerKind.Exec,
            _ => null,
        };
    }

    /// <summary>The container's state right after the event: what the collectors are told (a Docker container's process list is asked only of a running one).</summary>
    public static string StateAfter(TriggerKind kind) => kind switch
    {
        TriggerKind.Create => "created",
        TriggerKind.Die => "exited",
        _ => "running",
    };

    /// <summary>
    /// What a trigger collects, most volatile first. A running container's processes are read
    /// from /proc before the daemon is asked anything slower, and its output so far is read
    /// alongside (a <c>--rm</c> container that lives a second takes its logs with it, and reading
    /// them is mostly waiting for the daemon); a dead one's logs go first, with its volatile
    /// phase alongside (no process runs in a dead Docker container, but a Kubernetes pod's object
    /// and its containers' logs are that phase), then its writable layer, then its metadata,
    /// because a <c>--rm</c> container is removed right after it dies. A created container has
    /// run nothing yet.
    /// </summary>
    public static ContainerPlan Plan(TriggerKind kind) => kind switch
    {
        TriggerKind.Start or TriggerKind.Exec or TriggerKind.Kill => ContainerPlan.InSteps(
            [[CollectionPhase.Volatile, CollectionPhase.Logs], [CollectionPhase.Metadata], [CollectionPhase.Filesystem]], hostEvidenceFirst: true),
        TriggerKind.Oom => ContainerPlan.InSteps(
            [[CollectionPhase.Volatile, CollectionPhase.Logs], [CollectionPhase.Filesystem], [CollectionPhase.Metadata]], hostEvidenceFirst: true),
        TriggerKind.Die => ContainerPlan.InSteps([[CollectionPhase.Logs, CollectionPhase.Volatile], [CollectionPhase.Filesystem], [CollectionPhase.Metadata]]),
        _ => new ContainerPlan([CollectionPhase.Metadata, CollectionPhase.Logs, CollectionPhase.Filesystem]),
    };
}
