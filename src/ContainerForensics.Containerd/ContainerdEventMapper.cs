using System.Globalization;
using ContainerForensics.Containerd.Api.Events;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace ContainerForensics.Containerd;

/// <summary>
/// One containerd event envelope (api/services/events/v1/events.proto) as a
/// <see cref="ContainerEvent"/>. The action is Docker's word where one corresponds, so watch mode
/// reads every runtime alike; the topic stays as an attribute:
/// <list type="table">
/// <item><term>/containers/create</term><description>create (attributes image, runtime)</description></item>
/// <item><term>/containers/update</term><description>update</description></item>
/// <item><term>/containers/delete</term><description>destroy</description></item>
/// <item><term>/tasks/create</term><description>task_create (pid): containerd's own step, no Docker word</description></item>
/// <item><term>/tasks/start</term><description>start (pid)</description></item>
/// <item><term>/tasks/exit</term><description>die (exitCode, exitedAt, pid) for the init process, exec_die (execID) for an exec</description></item>
/// <item><term>/tasks/oom</term><description>oom</description></item>
/// <item><term>/tasks/exec-added</term><description>exec_create (execID)</description></item>
/// <item><term>/tasks/exec-started</term><description>exec_start (execID, pid)</description></item>
/// <item><term>/tasks/paused, /tasks/resumed</term><description>pause, unpause</description></item>
/// <item><term>/tasks/delete</term><description>task_delete (exitCode, pid; execID for an exec)</description></item>
/// </list>
/// Every event also has <c>topic</c> and <c>namespace</c>. Other topics, events of another type than
/// their topic says, and events without a container id are not container events: null.
/// </summary>
internal static class ContainerdEventMapper
{
    /// <summary>What <see cref="ContainerEvent.Raw"/> holds: the envelope as protobuf, byte-exact as it came.</summary>
    public static readonly string RawFormat = "protobuf:" + Envelope.Descriptor.FullName;

    public static ContainerEvent? ToContainerEvent(Envelope envelope)
    {
        if (Decode(envelope) is not var (containerId, action, attributes) || containerId.Length == 0)
        {
            return null;
        }
        attributes["topic"] = envelope.Topic;
        attributes["namespace"] = envelope.Namespace;
        var time = envelope.Timestamp is { } t ? new UnixTime(t.Seconds, (uint)t.Nanos) : default;
        return new ContainerEvent(ContainerdRuntimeProvider.RuntimeName, containerId, action, time)
        {
            Attributes = attributes,
            Raw = envelope.ToByteArray(),
            RawFormat = RawFormat,
        };
    }

    private static (string ContainerId, string Action, Dictionary<string, string> Attributes)? Decode(Envelope envelope)
    {
        var any = envelope.Event;
        switch (envelope.Topic)
        {
            case "/containers/create" when Unpack<ContainerCreate>(any) is { } m:
                return (m.Id, "create", Attrs(("image", m.Image), ("runtime", m.Runtime?.Name ?? "")));
            case "/containers/update" when Unpack<ContainerUpdate>(any) is { } m:
                return (m.Id, "update", Attrs(("image", m.Image)));
            case "/containers/delete" when Unpack<ContainerDelete>(any) is { } m:
                return (m.Id, "destroy", Attrs());
            case "/tasks/create" when Unpack<TaskCreate>(any) is { } m:
                return (m.ContainerId, "task_create", Attrs(("pid", Number(m.Pid))));
            case "/tasks/start" when Unpack<TaskStart>(any) is { } m:
                return (m.ContainerId, "start", Attrs(("pid", Number(m.Pid))));
            case "/tasks/exit" when Unpack<TaskExit>(any) is { } m:
                bool exec = m.Id.Length > 0 && m.Id != m.ContainerId;
                return (m.ContainerId, exec ? "exec_die" : "die", Attrs(("exitCode", Number(m.ExitStatus)), ("pid", Number(m.Pid)),
                    ("exitedAt", Iso(m.ExitedAt)), ("execID", exec ? m.Id : "")));
            case "/tasks/oom" when Unpack<TaskOOM>(any) is { } m:
                return (m.ContainerId, "oom", Attrs());
            case "/tasks/exec-added" when Unpack<TaskExecAdded>(any) is { } m:
                return (m.ContainerId, "exec_create", Attrs(("execID", m.ExecId)));
            case "/tasks/exec-started" when Unpack<TaskExecStarted>(any) is { } m:
                return (m.ContainerId, "exec_start", Attrs(("execID", m.ExecId), ("pid", Number(m.Pid))));
            case "/tasks/paused" when Unpack<TaskPaused>(any) is { } m:
                return (m.ContainerId, "pause", Attrs());
            case "/tasks/resumed" when Unpack<TaskResumed>(any) is { } m:
                return (m.ContainerId, "unpause", Attrs());
            case "/tasks/delete" when Unpack<TaskDelete>(any) is { } m:
                return (m.ContainerId, "task_delete", Attrs(("exitCode", Number(m.ExitStatus)), ("pid", Number(m.Pid)),
                    ("exitedAt", Iso(m.ExitedAt)), ("execID", m.Id != m.ContainerId ? m.Id : "")));
            default:
                return null;
        }
    }

    /// <summary>
    /// The event when the <c>Any</c> holds a <typeparamref name="T"/>. containerd's type URLs are the
    /// bare message name (<c>containerd.events.TaskExit</c>, github.com/containerd/typeurl), which
    /// <see cref="Any.Unpack{T}"/> does not accept (it wants a <c>host/</c> part), so the name is
    /// compared here: the part after the last slash, if any.
    /// </summary>
    private static T? Unpack<T>(Any? any)
        where T : class, IMessage<T>, new()
    {
        var message = new T();
        if (any is null || any.TypeUrl[(any.TypeUrl.LastIndexOf('/') + 1)..] != message.Descriptor.FullName)
        {
            return null;
        }
        message.MergeFrom(any.Value);
        return message;
    }

    /// <summary>The attributes that have a value: an empty string is a field containerd did not fill.</summary>
    private static Dictionary<string, string> Attrs(params (string Key, string Value)[] pairs)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in pairs.Where(p => p.Value.Length > 0))
        {
            result[key] = value;
        }
        return result;
    }

    private static string Number(uint value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Iso(Timestamp? t) => t is null ? "" : new UnixTime(t.Seconds, (uint)t.Nanos).ToIso8601();
}
