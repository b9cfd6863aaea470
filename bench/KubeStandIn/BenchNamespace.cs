using ContainerForensics.TestSupport.Kubernetes;
using ContainerForensics.TestSupport.Kubernetes.Fixtures;

namespace ContainerForensics.Bench.KubeStandIn;

/// <summary>
/// One namespace as an incident at scale: a Deployment's ReplicaSet owns every pod; each pod runs
/// two containers (app and sidecar: two log streams), reads one Secret and one ConfigMap, runs as
/// one service account bound by a RoleBinding, and is selected by one Service; events are spread
/// evenly over the pods.
/// </summary>
internal sealed record BenchNamespace(int Pods, int Events, int LinesPerLog)
{
    public const string Name = "bench";

    public void Fill(StandInCluster cluster)
    {
        const string ns = Name;
        var labels = new Dictionary<string, string> { ["app"] = "bench" };
        string deployUid = K8sFixtures.Uuid("bench/deploy");
        string rsUid = K8sFixtures.Uuid("bench/rs");
        string svcUid = K8sFixtures.Uuid("bench/svc");
        cluster.AddRange(
        [
            K8sFixtures.Namespace(ns, K8sFixtures.Uuid("bench/ns")),
            K8sFixtures.Node("worker-1", K8sFixtures.Uuid("bench/node")),
            K8sFixtures.ServiceAccount(ns, "bench", K8sFixtures.Uuid("bench/sa")),
            K8sFixtures.Role(ns, "bench-reader", K8sFixtures.Uuid("bench/role"), new RbacRule([""], ["configmaps"], ["get"])),
            K8sFixtures.RoleBinding(ns, "bench-reader", K8sFixtures.Uuid("bench/rb"), "Role", "bench-reader", RbacSubject.ServiceAccount(ns, "bench")),
            K8sFixtures.Secret(ns, "bench-db", K8sFixtures.Uuid("bench/secret"), new Dictionary<string, string> { ["password"] = "bench-password" }),
            K8sFixtures.ConfigMap(ns, "bench-config", K8sFixtures.Uuid("bench/cm"), new Dictionary<string, string> { ["mode"] = "bench" }),
            K8sFixtures.Deployment(ns, "bench", deployUid, labels, "registry.example.com/bench:1"),
            K8sFixtures.ReplicaSet(ns, "bench-5d4c3b2a1", rsUid, labels, "registry.example.com/bench:1", new OwnerReference("apps/v1", "Deployment", "bench", deployUid)),
            K8sFixtures.Service(ns, "bench", svcUid, labels),
        ]);
        var owner = new OwnerReference("apps/v1", "ReplicaSet", "bench-5d4c3b2a1", rsUid);
        var start = K8sFixtures.Created.AddMinutes(1);
        for (int p = 0; p < Pods; p++)
        {
            string pod = $"bench-5d4c3b2a1-{p:D5}";
            string uid = K8sFixtures.Uuid("bench/pod/" + pod);
            cluster.Add(K8sFixtures.Pod(new PodFixture(ns, pod, uid)
            {
                Labels = labels,
                Owners = [owner],
                ServiceAccountName = "bench",
                Volumes = [VolumeFixture.ConfigMap("config", "bench-config")],
                Containers =
                [
                    new("app", "registry.example.com/bench:1") { Env = [EnvVarFixture.SecretKey("DB_PASSWORD", "bench-db", "password")], Mounts = [("config", "/etc/bench")] },
                    new("sidecar", "registry.example.com/bench-sidecar:1"),
                ],
            }));
            foreach (string container in (string[])["app", "sidecar"])
            {
                for (int l = 0; l < LinesPerLog; l++)
                {
                    cluster.AddLogLine(ns, pod, container, false, start.AddMilliseconds(l).AddTicks(p), $"{pod} {container} line {l}: GET /api/items/{l} 200 12ms");
                }
            }
        }
        for (int e = 0; e < Events; e++)
        {
            int p = e % Pods;
            string pod = $"bench-5d4c3b2a1-{p:D5}";
            string uid = K8sFixtures.Uuid("bench/pod/" + pod);
            cluster.Add(K8sFixtures.CoreEvent(new EventFixture(ns, $"{pod}.{e:x12}", K8sFixtures.Uuid($"bench/ev/{e}"), "Pulled", $"Container image pulled ({e})")
            {
                Regarding = ("v1", "Pod", pod, uid),
                FieldPath = "spec.containers{app}",
                Time = start.AddSeconds(e),
            }));
        }
    }
}
