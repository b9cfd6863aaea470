using System.Text.Json.Nodes;

namespace ContainerForensics.TestSupport.Kubernetes.Fixtures;

public static partial class K8sFixtures
{
    /// <summary>
    /// https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/ : spec with
    /// the defaults the API server fills in (dnsPolicy, restartPolicy, tolerations, ...) and the
    /// status a kubelet with containerd reports (containerID containerd://..., imageID with a
    /// digest, lastState.terminated for a restarted container, waiting for a crash loop,
    /// init and ephemeral container statuses).
    /// </summary>
    public static string Pod(PodFixture p)
    {
        var spec = new JsonObject();
        if (p.Volumes.Count > 0)
        {
            spec["volumes"] = new JsonArray([.. p.Volumes.Select(v => (JsonNode)v.Json.DeepClone())]);
        }
        if (p.InitContainers.Count > 0)
        {
            spec["initContainers"] = new JsonArray([.. p.InitContainers.Select(c => (JsonNode)ContainerSpec(c, ephemeral: false))]);
        }
        spec["containers"] = new JsonArray([.. p.Containers.Select(c => (JsonNode)ContainerSpec(c, ephemeral: false))]);
        if (p.EphemeralContainers.Count > 0)
        {
            spec["ephemeralContainers"] = new JsonArray([.. p.EphemeralContainers.Select(c => (JsonNode)ContainerSpec(c, ephemeral: true))]);
        }
        spec["restartPolicy"] = "Always";
        spec["terminationGracePeriodSeconds"] = 30;
        spec["dnsPolicy"] = "ClusterFirst";
        spec["serviceAccountName"] = p.ServiceAccountName;
        spec["serviceAccount"] = p.ServiceAccountName;
        if (p.NodeName is not null)
        {
            spec["nodeName"] = p.NodeName;
        }
        spec["securityContext"] = new JsonObject();
        if (p.ImagePullSecrets.Count > 0)
        {
            spec["imagePullSecrets"] = new JsonArray([.. p.ImagePullSecrets.Select(s => (JsonNode)new JsonObject { ["name"] = s })]);
        }
        spec["schedulerName"] = "default-scheduler";
        spec["tolerations"] = new JsonArray(
            Toleration("node.kubernetes.io/not-ready"),
            Toleration("node.kubernetes.io/unreachable"));
        spec["priority"] = 0;
        spec["enableServiceLinks"] = true;
        spec["preemptionPolicy"] = "PreemptLowerPriority";

        var pod = new JsonObject
        {
            ["kind"] = "Pod",
            ["apiVersion"] = "v1",
            ["metadata"] = Metadata(p.Namespace, p.Name, p.Uid, p.Created, p.Labels, owners: p.Owners,
                generateName: p.Owners.Count > 0 && p.Name.LastIndexOf('-') is var dash and > 0 ? p.Name[..(dash + 1)] : null),
            ["spec"] = spec,
            ["status"] = Status(p),
        };
        if (p.UnknownField is { } unknown)
        {
            pod[unknown.Name] = JsonNode.Parse(unknown.Json);
        }
        return Text(pod);
    }

    private static JsonObject Toleration(string key) => new()
    {
        ["key"] = key,
        ["operator"] = "Exists",
        ["effect"] = "NoExecute",
        ["tolerationSeconds"] = 300,
    };

    private static JsonObject ContainerSpec(ContainerFixture c, bool ephemeral)
    {
        var o = new JsonObject { ["name"] = c.Name, ["image"] = c.Image };
        if (c.Command.Count > 0)
        {
            o["command"] = new JsonArray([.. c.Command.Select(s => (JsonNode)JsonValue.Create(s))]);
        }
        if (c.EnvFrom.Count > 0)
        {
            o["envFrom"] = new JsonArray([.. c.EnvFrom.Select(e => (JsonNode)e.Json.DeepClone())]);
        }
        if (c.Env.Count > 0)
        {
            o["env"] = new JsonArray([.. c.Env.Select(e => (JsonNode)e.Json.DeepClone())]);
        }
        if (!ephemeral)
        {
            o["resources"] = new JsonObject();
        }
        if (c.Mounts.Count > 0)
        {
            o["volumeMounts"] = new JsonArray([.. c.Mounts.Select(m => (JsonNode)new JsonObject { ["name"] = m.Volume, ["readOnly"] = true, ["mountPath"] = m.MountPath })]);
        }
        o["terminationMessagePath"] = "/dev/termination-log";
        o["terminationMessagePolicy"] = "File";
        o["imagePullPolicy"] = "IfNotPresent";
        if (ephemeral)
        {
            o["stdin"] = true;
            o["tty"] = true;
            if (c.TargetContainerName is not null)
            {
                o["targetContainerName"] = c.TargetContainerName;
            }
        }
        return o;
    }

    private static JsonObject Status(PodFixture p)
    {
        bool allReady = p.Containers.All(c => c.Waiting is null && c.TerminatedExitCode is null);
        var status = new JsonObject
        {
            ["phase"] = p.Phase,
            ["conditions"] = new JsonArray(
                Condition("PodReadyToStartContainers", "True", heartbeat: false),
                Condition("Initialized", "True", heartbeat: false),
                PodCondition("Ready", allReady, p),
                PodCondition("ContainersReady", allReady, p),
                Condition("PodScheduled", "True", heartbeat: false)),
            ["hostIP"] = "172.18.0.3",
            ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = "172.18.0.3" }),
            ["podIP"] = p.PodIp,
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = p.PodIp }),
            ["startTime"] = Time(p.Created),
        };
        if (p.InitContainers.Count > 0)
        {
            status["initContainerStatuses"] = new JsonArray([.. p.InitContainers.Select(c => (JsonNode)ContainerStatus(p, c with { TerminatedExitCode = c.TerminatedExitCode ?? 0 }))]);
        }
        status["containerStatuses"] = new JsonArray([.. p.Containers.Select(c => (JsonNode)ContainerStatus(p, c))]);
        status["qosClass"] = "BestEffort";
        if (p.EphemeralContainers.Count > 0)
        {
            status["ephemeralContainerStatuses"] = new JsonArray([.. p.EphemeralContainers.Select(c => (JsonNode)ContainerStatus(p, c))]);
        }
        return status;
    }

    private static JsonObject PodCondition(string type, bool ready, PodFixture p)
    {
        var c = Condition(type, ready ? "True" : "False", heartbeat: false);
        if (!ready)
        {
            var waiting = p.Containers.Where(x => x.Waiting is not null).Select(x => x.Name).ToList();
            c["reason"] = "ContainersNotReady";
            c["message"] = $"containers with unready status: [{string.Join(' ', waiting)}]";
        }
        return c;
    }

    /// <summary>A ContainerStatus (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#PodStatus) with ids derived from the pod uid.</summary>
    private static JsonObject ContainerStatus(PodFixture p, ContainerFixture c)
    {
        string id = "containerd://" + Hex($"{p.Uid}/{c.Name}/{c.RestartCount}");
        var started = p.Created.AddSeconds(5 + (c.RestartCount * 40));
        JsonObject state;
        if (c.Waiting is { } reason)
        {
            var waiting = new JsonObject { ["reason"] = reason };
            if (reason == "CrashLoopBackOff")
            {
                waiting["message"] = $"back-off 5m0s restarting failed container={c.Name} pod={p.Name}_{p.Namespace}({p.Uid})";
            }
            state = new JsonObject { ["waiting"] = waiting };
        }
        else if (c.TerminatedExitCode is { } exit)
        {
            state = new JsonObject
            {
                ["terminated"] = new JsonObject
                {
                    ["exitCode"] = exit,
                    ["reason"] = exit == 0 ? "Completed" : "Error",
                    ["startedAt"] = Time(started),
                    ["finishedAt"] = Time(started.AddSeconds(2)),
                    ["containerID"] = id,
                },
            };
        }
        else
        {
            state = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = Time(started) } };
        }
        var lastState = new JsonObject();
        if (c.RestartCount > 0)
        {
            lastState["terminated"] = new JsonObject
            {
                ["exitCode"] = c.LastExitCode,
                ["reason"] = c.LastExitCode == 137 ? "OOMKilled" : "Error",
                ["startedAt"] = Time(started.AddSeconds(-40)),
                ["finishedAt"] = Time(started.AddSeconds(-2)),
                ["containerID"] = "containerd://" + Hex($"{p.Uid}/{c.Name}/{c.RestartCount - 1}"),
            };
        }
        bool running = c.Waiting is null && c.TerminatedExitCode is null;
        var s = new JsonObject
        {
            ["name"] = c.Name,
            ["state"] = state,
            ["lastState"] = lastState,
            ["ready"] = running,
            ["restartCount"] = c.RestartCount,
            ["image"] = c.Image,
            ["imageID"] = c.Image.Split(':')[0] + "@sha256:" + Hex("image/" + c.Image),
        };
        if (c.Waiting is null || c.RestartCount > 0)
        {
            s["containerID"] = c.Waiting is null ? id : "containerd://" + Hex($"{p.Uid}/{c.Name}/{c.RestartCount - 1}");
        }
        s["started"] = running;
        return s;
    }
}
