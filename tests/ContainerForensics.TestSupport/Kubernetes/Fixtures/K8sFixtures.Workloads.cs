using System.Text.Json.Nodes;

namespace ContainerForensics.TestSupport.Kubernetes.Fixtures;

public static partial class K8sFixtures
{
    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/</summary>
    public static string Deployment(string ns, string name, string uid, IReadOnlyDictionary<string, string> selector, string image, int replicas = 1) => Text(new JsonObject
    {
        ["kind"] = "Deployment",
        ["apiVersion"] = "apps/v1",
        ["metadata"] = Metadata(ns, name, uid, labels: selector, annotations: new Dictionary<string, string> { ["deployment.kubernetes.io/revision"] = "1" }, generation: 1),
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = Map(selector) },
            ["template"] = Template(selector, name, image),
            ["strategy"] = new JsonObject
            {
                ["type"] = "RollingUpdate",
                ["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = "25%", ["maxSurge"] = "25%" },
            },
            ["revisionHistoryLimit"] = 10,
            ["progressDeadlineSeconds"] = 600,
        },
        ["status"] = ReplicaStatus(replicas, extra: ("updatedReplicas", replicas)),
    });

    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/replica-set-v1/ ; owned by its Deployment.</summary>
    public static string ReplicaSet(string ns, string name, string uid, IReadOnlyDictionary<string, string> selector, string image, OwnerReference? owner, int replicas = 1)
    {
        string hash = name[(name.LastIndexOf('-') + 1)..];
        var labels = new Dictionary<string, string>(selector) { ["pod-template-hash"] = hash };
        return Text(new JsonObject
        {
            ["kind"] = "ReplicaSet",
            ["apiVersion"] = "apps/v1",
            ["metadata"] = Metadata(ns, name, uid, labels: labels,
                annotations: new Dictionary<string, string> { ["deployment.kubernetes.io/desired-replicas"] = $"{replicas}", ["deployment.kubernetes.io/max-replicas"] = $"{replicas + 1}", ["deployment.kubernetes.io/revision"] = "1" },
                owners: owner is null ? null : [owner], generation: 1),
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["selector"] = new JsonObject { ["matchLabels"] = Map(labels) },
                ["template"] = Template(labels, name, image),
            },
            ["status"] = ReplicaStatus(replicas, extra: ("fullyLabeledReplicas", replicas)),
        });
    }

    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/stateful-set-v1/</summary>
    public static string StatefulSet(string ns, string name, string uid, IReadOnlyDictionary<string, string> selector, string image, string serviceName, int replicas = 1) => Text(new JsonObject
    {
        ["kind"] = "StatefulSet",
        ["apiVersion"] = "apps/v1",
        ["metadata"] = Metadata(ns, name, uid, labels: selector, generation: 1),
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = Map(selector) },
            ["template"] = Template(selector, name, image),
            ["serviceName"] = serviceName,
            ["podManagementPolicy"] = "OrderedReady",
            ["updateStrategy"] = new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["partition"] = 0 } },
            ["revisionHistoryLimit"] = 10,
            ["persistentVolumeClaimRetentionPolicy"] = new JsonObject { ["whenDeleted"] = "Retain", ["whenScaled"] = "Retain" },
        },
        ["status"] = new JsonObject
        {
            ["observedGeneration"] = 1,
            ["replicas"] = replicas,
            ["currentReplicas"] = replicas,
            ["updatedReplicas"] = replicas,
            ["currentRevision"] = $"{name}-{Hex(uid, 10)}",
            ["updateRevision"] = $"{name}-{Hex(uid, 10)}",
            ["collisionCount"] = 0,
            ["availableReplicas"] = 0,
        },
    });

    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/daemon-set-v1/</summary>
    public static string DaemonSet(string ns, string name, string uid, IReadOnlyDictionary<string, string> selector, string image, int nodes = 1) => Text(new JsonObject
    {
        ["kind"] = "DaemonSet",
        ["apiVersion"] = "apps/v1",
        ["metadata"] = Metadata(ns, name, uid, labels: selector, annotations: new Dictionary<string, string> { ["deprecated.daemonset.template.generation"] = "1" }, generation: 1),
        ["spec"] = new JsonObject
        {
            ["selector"] = new JsonObject { ["matchLabels"] = Map(selector) },
            ["template"] = Template(selector, name, image),
            ["updateStrategy"] = new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = 1, ["maxSurge"] = 0 } },
            ["revisionHistoryLimit"] = 10,
        },
        ["status"] = new JsonObject
        {
            ["currentNumberScheduled"] = nodes,
            ["numberMisscheduled"] = 0,
            ["desiredNumberScheduled"] = nodes,
            ["numberReady"] = nodes,
            ["observedGeneration"] = 1,
            ["updatedNumberScheduled"] = nodes,
            ["numberAvailable"] = nodes,
        },
    });

    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/job-v1/ ; owned by its CronJob when given.</summary>
    public static string Job(string ns, string name, string uid, string image, OwnerReference? owner = null, bool succeeded = true)
    {
        var selector = new Dictionary<string, string> { ["batch.kubernetes.io/controller-uid"] = uid };
        var labels = new Dictionary<string, string>(selector) { ["batch.kubernetes.io/job-name"] = name, ["controller-uid"] = uid, ["job-name"] = name };
        var status = new JsonObject
        {
            ["startTime"] = Time(Created),
        };
        if (succeeded)
        {
            status["completionTime"] = Time(Created.AddSeconds(12));
            status["succeeded"] = 1;
            status["terminating"] = 0;
            status["ready"] = 0;
        }
        else
        {
            status["active"] = 1;
            status["ready"] = 0;
            status["terminating"] = 0;
        }
        return Text(new JsonObject
        {
            ["kind"] = "Job",
            ["apiVersion"] = "batch/v1",
            ["metadata"] = Metadata(ns, name, uid, labels: labels, owners: owner is null ? null : [owner], generation: 1),
            ["spec"] = new JsonObject
            {
                ["parallelism"] = 1,
                ["completions"] = 1,
                ["backoffLimit"] = 6,
                ["selector"] = new JsonObject { ["matchLabels"] = Map(selector) },
                ["manualSelector"] = false,
                ["template"] = Template(labels, name, image, restartPolicy: "Never"),
                ["completionMode"] = "NonIndexed",
                ["suspend"] = false,
                ["podReplacementPolicy"] = "TerminatingOrFailed",
            },
            ["status"] = status,
        });
    }

    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/cron-job-v1/</summary>
    public static string CronJob(string ns, string name, string uid, string schedule, string image) => Text(new JsonObject
    {
        ["kind"] = "CronJob",
        ["apiVersion"] = "batch/v1",
        ["metadata"] = Metadata(ns, name, uid, generation: 1),
        ["spec"] = new JsonObject
        {
            ["schedule"] = schedule,
            ["concurrencyPolicy"] = "Allow",
            ["suspend"] = false,
            ["jobTemplate"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
                ["spec"] = new JsonObject { ["template"] = Template(new Dictionary<string, string>(), name, image, restartPolicy: "OnFailure") },
            },
            ["successfulJobsHistoryLimit"] = 3,
            ["failedJobsHistoryLimit"] = 1,
        },
        ["status"] = new JsonObject { ["lastScheduleTime"] = Time(Created), ["lastSuccessfulTime"] = Time(Created.AddSeconds(12)) },
    });

    /// <summary>A PodTemplateSpec: the pod a controller stamps out (one container named after the workload).</summary>
    private static JsonObject Template(IReadOnlyDictionary<string, string> labels, string container, string image, string restartPolicy = "Always") => new()
    {
        ["metadata"] = labels.Count > 0
            ? new JsonObject { ["creationTimestamp"] = null, ["labels"] = Map(labels) }
            : new JsonObject { ["creationTimestamp"] = null },
        ["spec"] = new JsonObject
        {
            ["containers"] = new JsonArray(new JsonObject
            {
                ["name"] = container,
                ["image"] = image,
                ["resources"] = new JsonObject(),
                ["terminationMessagePath"] = "/dev/termination-log",
                ["terminationMessagePolicy"] = "File",
                ["imagePullPolicy"] = "IfNotPresent",
            }),
            ["restartPolicy"] = restartPolicy,
            ["terminationGracePeriodSeconds"] = 30,
            ["dnsPolicy"] = "ClusterFirst",
            ["securityContext"] = new JsonObject(),
            ["schedulerName"] = "default-scheduler",
        },
    };

    private static JsonObject ReplicaStatus(int replicas, (string Name, int Value) extra)
    {
        var s = new JsonObject
        {
            ["observedGeneration"] = 1,
            ["replicas"] = replicas,
            [extra.Name] = extra.Value,
            ["readyReplicas"] = replicas,
            ["availableReplicas"] = replicas,
        };
        return s;
    }
}
