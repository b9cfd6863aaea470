namespace ContainerForensics.TestSupport.Kubernetes.Fixtures;

/// <summary>
/// A ready incident to collect: namespace "shop" where Deployment web → ReplicaSet → pod runs two
/// app containers (one restarted, with a previous log), an init container and an ephemeral
/// debug container; a crash-looping StatefulSet pod; the web service account bound by a
/// RoleBinding, a ClusterRoleBinding and a ClusterRoleBinding to cluster-admin; a Secret and a
/// ConfigMap the pod reads (env, envFrom, volumes); a Service and its EndpointSlice; a PVC and
/// its PV; a NetworkPolicy; events in both APIs; a mutating webhook and a CRD. The names and uids
/// are properties, so tests assert against them rather than repeat them.
/// </summary>
public sealed class IncidentScenario
{
    public string Namespace { get; } = "shop";

    public string NamespaceUid { get; } = K8sFixtures.Uuid("ns/shop");

    public string NodeName { get; } = "worker-1";

    public string DeploymentName { get; } = "web";

    public string DeploymentUid { get; } = K8sFixtures.Uuid("deploy/web");

    public string ReplicaSetName { get; } = "web-7d9f8b6c5d";

    public string ReplicaSetUid { get; } = K8sFixtures.Uuid("rs/web");

    /// <summary>The pod with containers app and sidecar, init container init-config and ephemeral container debugger-x7k2p.</summary>
    public string PodName { get; } = "web-7d9f8b6c5d-x2x8q";

    public string PodUid { get; } = K8sFixtures.Uuid("pod/web");

    public IReadOnlyList<string> AppContainers { get; } = ["app", "sidecar"];

    public string InitContainer { get; } = "init-config";

    public string EphemeralContainer { get; } = "debugger-x7k2p";

    /// <summary>The app container restarted once; its previous instance's log is <see cref="PreviousLog"/>.</summary>
    public string RestartedContainer { get; } = "sidecar";

    public string CrashLoopPodName { get; } = "cache-0";

    public string CrashLoopPodUid { get; } = K8sFixtures.Uuid("pod/cache-0");

    public string CrashLoopContainer { get; } = "cache";

    public string ServiceAccountName { get; } = "web";

    public string SecretName { get; } = "web-db";

    public string ConfigMapName { get; } = "web-config";

    public string ServiceName { get; } = "web";

    public string ClaimName { get; } = "web-data";

    public string VolumeName { get; } = "pvc-" + K8sFixtures.Uuid("pvc/web-data");

    /// <summary>The ClusterRoleBinding granting the web service account cluster-admin.</summary>
    public string ClusterAdminBindingName { get; } = "web-ops-admin";

    public string CustomResourceDefinitionName { get; } = "tasks.ops.example.com";

    public string WebhookConfigurationName { get; } = "pod-defaults.shop.example.com";

    /// <summary>The lines of the current app log, time-stamped from <see cref="LogStart"/> a second apart.</summary>
    public IReadOnlyList<string> AppLog { get; } = ["listening on :8080", "GET /healthz 200", "POST /login 401 user=admin"];

    /// <summary>The previous sidecar instance's lines, before it was killed.</summary>
    public IReadOnlyList<string> PreviousLog { get; } = ["sidecar starting", "fetching http://203.0.113.7/x.sh", "killed: exit 137"];

    /// <summary>The current sidecar instance's lines.</summary>
    public IReadOnlyList<string> SidecarLog { get; } = ["sidecar starting", "ready"];

    /// <summary>The previous instance log of the crash-looping cache container.</summary>
    public IReadOnlyList<string> CrashLog { get; } = ["cache: loading snapshot", "panic: cannot open /data/dump.rdb: permission denied"];

    /// <summary>When the first line of each log was written (sub-second digits matter); line i is i seconds and i × 100 ns later.</summary>
    public DateTimeOffset LogStart { get; } = K8sFixtures.Created.AddMinutes(1).AddTicks(1_234_567);

    /// <summary>Builds the scenario into <paramref name="cluster"/> and returns its description.</summary>
    public static IncidentScenario Fill(StandInCluster cluster)
    {
        var s = new IncidentScenario();
        foreach (var json in s.Objects())
        {
            cluster.Add(json);
        }
        s.AddLogs(cluster, s.PodName, "app", previous: false, s.AppLog);
        s.AddLogs(cluster, s.PodName, "sidecar", previous: false, s.SidecarLog);
        s.AddLogs(cluster, s.PodName, "sidecar", previous: true, s.PreviousLog);
        s.AddLogs(cluster, s.PodName, s.InitContainer, previous: false, ["config rendered"]);
        s.AddLogs(cluster, s.CrashLoopPodName, s.CrashLoopContainer, previous: true, s.CrashLog);
        return s;
    }

    /// <summary>The time stamped on line <paramref name="index"/> of a log.</summary>
    public DateTimeOffset LineTime(int index) => LogStart + (index * TimeSpan.FromSeconds(1)) + TimeSpan.FromTicks(index);

    private void AddLogs(StandInCluster cluster, string pod, string container, bool previous, IReadOnlyList<string> lines)
    {
        for (int i = 0; i < lines.Count; i++)
        {
            cluster.AddLogLine(Namespace, pod, container, previous, LineTime(i), lines[i]);
        }
    }

    /// <summary>The scenario's objects as JSON text, in an order a real cluster could have created them.</summary>
    public IReadOnlyList<string> Objects()
    {
        string ns = Namespace;
        var webLabels = new Dictionary<string, string> { ["app"] = "web" };
        var cacheLabels = new Dictionary<string, string> { ["app"] = "cache" };
        string serviceUid = K8sFixtures.Uuid("svc/web");
        string claimUid = K8sFixtures.Uuid("pvc/web-data");
        var rsOwner = new OwnerReference("apps/v1", "ReplicaSet", ReplicaSetName, ReplicaSetUid);
        var pod = new PodFixture(ns, PodName, PodUid)
        {
            Labels = new Dictionary<string, string>(webLabels) { ["pod-template-hash"] = "7d9f8b6c5d" },
            Owners = [rsOwner],
            ServiceAccountName = ServiceAccountName,
            NodeName = NodeName,
            ImagePullSecrets = ["registry-creds"],
            Volumes =
            [
                VolumeFixture.ConfigMap("config", ConfigMapName),
                VolumeFixture.Secret("db", SecretName),
                VolumeFixture.PersistentVolumeClaim("data", ClaimName),
                VolumeFixture.Projected("kube-api-access-7xk2d"),
            ],
            InitContainers =
            [
                new(InitContainer, "registry.example.com/shop/config-init:2.0") { Command = ["/bin/render-config"], Mounts = [("config", "/etc/web")] },
            ],
            Containers =
            [
                new("app", "registry.example.com/shop/web:1.4.2")
                {
                    Env = [EnvVarFixture.Value("LISTEN", ":8080"), EnvVarFixture.SecretKey("DB_PASSWORD", SecretName, "password"), EnvVarFixture.ConfigMapKey("MODE", ConfigMapName, "mode")],
                    EnvFrom = [EnvFromFixture.ConfigMap(ConfigMapName)],
                    Mounts = [("config", "/etc/web"), ("db", "/var/run/secrets/db"), ("data", "/data"), ("kube-api-access-7xk2d", "/var/run/secrets/kubernetes.io/serviceaccount")],
                },
                new("sidecar", "registry.example.com/shop/log-shipper:0.9") { RestartCount = 1, LastExitCode = 137, EnvFrom = [EnvFromFixture.Secret(SecretName)] },
            ],
            EphemeralContainers = [new(EphemeralContainer, "busybox:1.36") { TargetContainerName = "app" }],
            UnknownField = ("futureField", """{"addedIn":"v1.99","nanos":"2026-12-07T09:00:00.123456789Z"}"""),
        };
        var crash = new PodFixture(ns, CrashLoopPodName, CrashLoopPodUid)
        {
            Labels = new Dictionary<string, string>(cacheLabels) { ["apps.kubernetes.io/pod-index"] = "0", ["statefulset.kubernetes.io/pod-name"] = CrashLoopPodName },
            Owners = [new OwnerReference("apps/v1", "StatefulSet", "cache", K8sFixtures.Uuid("sts/cache"))],
            NodeName = NodeName,
            PodIp = "10.244.1.31",
            Containers = [new(CrashLoopContainer, "registry.example.com/shop/cache:7.2") { RestartCount = 7, Waiting = "CrashLoopBackOff" }],
        };
        EventFixture PodEvent(string name, string podName, string podUid, string reason, string message, string? fieldPath, string type = "Normal", int count = 1, int second = 10) =>
            new(ns, $"{podName}.{name}", K8sFixtures.Uuid($"ev/{podName}/{name}"), reason, message)
            {
                Regarding = ("v1", "Pod", podName, podUid),
                FieldPath = fieldPath,
                Type = type,
                Count = count,
                Time = K8sFixtures.Created.AddSeconds(second).AddTicks(4_567_890),
                LastTime = count > 1 ? K8sFixtures.Created.AddMinutes(9) : null,
            };
        var events = new[]
        {
            PodEvent("181f0c2a3b4c5d60", PodName, PodUid, "Scheduled", $"Successfully assigned {ns}/{PodName} to {NodeName}", null, second: 1) with { ReportingController = "default-scheduler", ReportingInstance = "default-scheduler-control-plane" },
            PodEvent("181f0c2a3b4c5d61", PodName, PodUid, "Started", "Started container app", "spec.containers{app}", second: 6),
            PodEvent("181f0c2a3b4c5d62", PodName, PodUid, "Killing", "Container sidecar failed liveness probe, will be restarted", "spec.containers{sidecar}", "Normal", second: 44),
            PodEvent("181f0c2a3b4c5d63", PodName, PodUid, "Started", $"Started container {EphemeralContainer}", $"spec.ephemeralContainers{{{EphemeralContainer}}}", second: 300),
            PodEvent("181f0c2a3b4c5d70", CrashLoopPodName, CrashLoopPodUid, "BackOff", $"Back-off restarting failed container {CrashLoopContainer} in pod {CrashLoopPodName}_{ns}({CrashLoopPodUid})", $"spec.containers{{{CrashLoopContainer}}}", "Warning", count: 31, second: 60),
        };
        return
        [
            K8sFixtures.Namespace(ns, NamespaceUid),
            K8sFixtures.Node(NodeName, K8sFixtures.Uuid("node/worker-1")),
            K8sFixtures.CustomResourceDefinition("ops.example.com", "tasks", "Task", K8sFixtures.Uuid("crd/tasks"), true, "tk"),
            K8sFixtures.MutatingWebhookConfiguration(WebhookConfigurationName, K8sFixtures.Uuid("mwc/pod-defaults"), "inject.pod-defaults.shop.example.com", ns, "pod-defaults"),
            K8sFixtures.ClusterAdminRole(K8sFixtures.Uuid("clusterrole/cluster-admin")),
            K8sFixtures.ClusterRole("node-reader", K8sFixtures.Uuid("clusterrole/node-reader"), new RbacRule([""], ["nodes"], ["get", "list", "watch"])),
            K8sFixtures.ServiceAccount(ns, ServiceAccountName, K8sFixtures.Uuid("sa/web"), ["registry-creds"]),
            K8sFixtures.Role(ns, "config-reader", K8sFixtures.Uuid("role/config-reader"), new RbacRule([""], ["configmaps", "secrets"], ["get", "list"])),
            K8sFixtures.RoleBinding(ns, "web-config-reader", K8sFixtures.Uuid("rb/web-config-reader"), "Role", "config-reader", RbacSubject.ServiceAccount(ns, ServiceAccountName)),
            K8sFixtures.ClusterRoleBinding("web-node-reader", K8sFixtures.Uuid("crb/web-node-reader"), "node-reader", RbacSubject.ServiceAccount(ns, ServiceAccountName)),
            K8sFixtures.ClusterRoleBinding(ClusterAdminBindingName, K8sFixtures.Uuid("crb/web-ops-admin"), "cluster-admin", RbacSubject.ServiceAccount(ns, ServiceAccountName)),
            K8sFixtures.Secret(ns, SecretName, K8sFixtures.Uuid("secret/web-db"), new Dictionary<string, string> { ["username"] = "shop", ["password"] = "s3cr3t+/=" }),
            K8sFixtures.Secret(ns, "registry-creds", K8sFixtures.Uuid("secret/registry-creds"),
                new Dictionary<string, string> { [".dockerconfigjson"] = """{"auths":{"registry.example.com":{"auth":"c2hvcDpwdw=="}}}""" }, "kubernetes.io/dockerconfigjson"),
            K8sFixtures.ConfigMap(ns, ConfigMapName, K8sFixtures.Uuid("cm/web-config"), new Dictionary<string, string> { ["mode"] = "production", ["web.yaml"] = "listen: :8080\n" }),
            K8sFixtures.PersistentVolume(VolumeName, K8sFixtures.Uuid("pv/web-data"), ns, ClaimName, claimUid, $"/var/local-path-provisioner/{VolumeName}_{ns}_{ClaimName}"),
            K8sFixtures.PersistentVolumeClaim(ns, ClaimName, claimUid, VolumeName),
            K8sFixtures.Deployment(ns, DeploymentName, DeploymentUid, webLabels, "registry.example.com/shop/web:1.4.2"),
            K8sFixtures.ReplicaSet(ns, ReplicaSetName, ReplicaSetUid, webLabels, "registry.example.com/shop/web:1.4.2", new OwnerReference("apps/v1", "Deployment", DeploymentName, DeploymentUid)),
            K8sFixtures.Pod(pod),
            K8sFixtures.StatefulSet(ns, "cache", K8sFixtures.Uuid("sts/cache"), cacheLabels, "registry.example.com/shop/cache:7.2", "cache"),
            K8sFixtures.Pod(crash),
            K8sFixtures.Service(ns, ServiceName, serviceUid, webLabels),
            K8sFixtures.EndpointSlice(ns, "web-k5n2q", K8sFixtures.Uuid("eps/web"), ServiceName, serviceUid, 8080, ("10.244.1.23", PodName, PodUid, NodeName)),
            K8sFixtures.NetworkPolicy(ns, "web-allow-frontend", K8sFixtures.Uuid("netpol/web"), webLabels, new Dictionary<string, string> { ["app"] = "frontend" }, 8080),
            .. events.Select(K8sFixtures.CoreEvent),
            .. events.Select(K8sFixtures.Event),
        ];
    }
}
