using ContainerForensics.TestSupport.Kubernetes;

namespace ContainerForensics.Kubernetes.Tests;

/// <summary>
/// The objects of the pod-context tests, as JSON text the stand-in serves byte for byte. The
/// "shop" namespace is a small incident: a Deployment's pod running as service account web,
/// which a RoleBinding lets read Secrets, a ClusterRoleBinding to every service account lets
/// view nodes, and a RoleBinding in another namespace grants too; it reads a Secret whose value
/// is <see cref="SecretValue"/>, also inside kubectl's last-applied-configuration annotation.
/// </summary>
internal static class PodContextFixtures
{
    public const string Ns = "shop";
    public const string WebPod = "web-7d9f-abcde";
    public const string WebPodUid = "pod-0001";
    public const string SecretValue = "s3cr3t-P@ssw0rd!";
    public const string SecretValueBase64 = "czNjcjN0LVBAc3N3MHJkIQ==";
    public const string SecretValueSha256 = "7cbdee111255f88b674d045ed6744cfb62010f42ea36982949f54ffc15fab854";

    /// <summary>The Deployment as stored: a field no typed model knows and a time with nanoseconds, both to be kept byte for byte.</summary>
    public static readonly string Deployment = Obj("apps/v1", "Deployment", Ns, "web", "deploy-0001",
        ""","spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}}},"x-cfir-unknown":{"kept":[1,2,3]},"status":{"conditions":[{"type":"Available","lastUpdateTime":"2026-01-02T03:04:05.123456789Z"}]}""");

    public static string Obj(string apiVersion, string kind, string? ns, string name, string uid, string body = "", string meta = "") =>
        $$"""{"apiVersion":"{{apiVersion}}","kind":"{{kind}}","metadata":{"name":"{{name}}",{{(ns is null ? "" : $"\"namespace\":\"{ns}\",")}}"uid":"{{uid}}","resourceVersion":"100","creationTimestamp":"2026-01-02T03:04:05Z"{{meta}}}{{body}}}""";

    public static string Owner(string apiVersion, string kind, string name, string uid, bool controller = true) =>
        $$""","ownerReferences":[{"apiVersion":"{{apiVersion}}","kind":"{{kind}}","name":"{{name}}","uid":"{{uid}}","controller":{{(controller ? "true" : "false")}},"blockOwnerDeletion":true}]""";

    /// <summary>A pod of the web ReplicaSet; <paramref name="spec"/> replaces the default spec.</summary>
    public static string Pod(string name, string uid, string owner, string labels = """{"app":"web","tier":"front"}""", string? spec = null) =>
        Obj("v1", "Pod", Ns, name, uid, $$""","spec":{{spec ?? WebSpec}},"status":{"phase":"Running"}""", $$""","labels":{{labels}}{{owner}}""");

    /// <summary>Every kind of reference: env from a Secret and a ConfigMap, an optional missing ConfigMap, volumes, a projected root CA, a claim, a pull secret.</summary>
    public const string WebSpec = """
        {"serviceAccountName":"web","nodeName":"node-1","imagePullSecrets":[{"name":"regcred"}],
         "initContainers":[{"name":"init","image":"busybox","envFrom":[{"configMapRef":{"name":"missing-config","optional":true}}]}],
         "containers":[{"name":"web","image":"nginx:1.27","env":[
            {"name":"DB_PASSWORD","valueFrom":{"secretKeyRef":{"name":"db-credentials","key":"password"}}},
            {"name":"MODE","valueFrom":{"configMapKeyRef":{"name":"web-config","key":"mode"}}}]}],
         "volumes":[{"name":"config","configMap":{"name":"web-config"}},
            {"name":"data","persistentVolumeClaim":{"claimName":"data"}},
            {"name":"kube-api-access","projected":{"sources":[{"serviceAccountToken":{"path":"token"}},{"configMap":{"name":"kube-root-ca.crt"}}]}}]}
        """;

    /// <summary>The shop incident: the web pod and everything around it, and things that must not be attributed to it.</summary>
    public static void Shop(StandInCluster c)
    {
        c.AddRange(
        [
            Obj("v1", "Namespace", null, Ns, "ns-shop"),
            Obj("v1", "Namespace", null, "other", "ns-other"),
            Obj("v1", "Node", null, "node-1", "node-0001", ""","spec":{"podCIDR":"10.244.1.0/24"}"""),
            Deployment,
            Obj("apps/v1", "ReplicaSet", Ns, "web-7d9f", "rs-0001", ""","spec":{"replicas":1}""", Owner("apps/v1", "Deployment", "web", "deploy-0001")),
            Pod(WebPod, WebPodUid, Owner("apps/v1", "ReplicaSet", "web-7d9f", "rs-0001")),
            Obj("v1", "ServiceAccount", Ns, "web", "sa-web"),
            Obj("v1", "ServiceAccount", Ns, "default", "sa-default"),
            Obj("v1", "ConfigMap", Ns, "web-config", "cm-0001", ""","data":{"mode":"production","nginx.conf":"server { listen 80; }"}"""),
            Obj("v1", "ConfigMap", Ns, "kube-root-ca.crt", "cm-0002", ""","data":{"ca.crt":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"}"""),
            Obj("v1", "Secret", Ns, "db-credentials", "secret-0001",
                $$""","type":"Opaque","data":{"password":"{{SecretValueBase64}}","username":"c2hvcA=="}""",
                $$$""","labels":{"app":"web"},"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"db-credentials\",\"namespace\":\"shop\"},\"stringData\":{\"password\":\"{{{SecretValue}}}\"}}\n","team":"shop"}"""),
            Obj("v1", "Secret", Ns, "regcred", "secret-0002", ""","type":"kubernetes.io/dockerconfigjson","data":{".dockerconfigjson":"e30="}"""),
            Obj("v1", "PersistentVolumeClaim", Ns, "data", "pvc-0001", ""","spec":{"volumeName":"pv-data","accessModes":["ReadWriteOnce"]}"""),
            Obj("v1", "PersistentVolume", null, "pv-data", "pv-0001", ""","spec":{"hostPath":{"path":"/srv/data"}}"""),
            Obj("v1", "Service", Ns, "web", "svc-0001", ""","spec":{"selector":{"app":"web"},"ports":[{"port":80}]}"""),
            Obj("v1", "Service", Ns, "db", "svc-0002", ""","spec":{"selector":{"app":"db"},"ports":[{"port":5432}]}"""),
            Obj("v1", "Service", Ns, "external", "svc-0003", ""","spec":{"type":"ExternalName","externalName":"example.com"}"""),
            Obj("discovery.k8s.io/v1", "EndpointSlice", Ns, "web-x1", "eps-0001", ""","addressType":"IPv4","endpoints":[{"addresses":["10.244.1.7"]}]""", ""","labels":{"kubernetes.io/service-name":"web"}"""),
            Obj("discovery.k8s.io/v1", "EndpointSlice", Ns, "db-x1", "eps-0002", ""","addressType":"IPv4","endpoints":[]""", ""","labels":{"kubernetes.io/service-name":"db"}"""),
            Obj("networking.k8s.io/v1", "NetworkPolicy", Ns, "default-deny", "np-0001", ""","spec":{"podSelector":{},"policyTypes":["Ingress"]}"""),
            Obj("networking.k8s.io/v1", "NetworkPolicy", Ns, "web-ingress", "np-0002", ""","spec":{"podSelector":{"matchExpressions":[{"key":"app","operator":"In","values":["web","api"]}]}}"""),
            Obj("networking.k8s.io/v1", "NetworkPolicy", Ns, "db-only", "np-0003", ""","spec":{"podSelector":{"matchLabels":{"app":"db"}}}"""),
            Obj("v1", "Event", Ns, WebPod + ".1", "ev-0001", $$""","involvedObject":{"kind":"Pod","namespace":"{{Ns}}","name":"{{WebPod}}","uid":"{{WebPodUid}}"},"reason":"Pulled","message":"image pulled" """),
            Obj("v1", "Event", Ns, "someone-else.1", "ev-0002", ""","involvedObject":{"kind":"Pod","namespace":"shop","name":"db-0","uid":"pod-9999"},"reason":"Pulled" """),
            Obj("events.k8s.io/v1", "Event", Ns, WebPod + ".2", "ev-0003", $$""","regarding":{"kind":"Pod","namespace":"{{Ns}}","name":"{{WebPod}}","uid":"{{WebPodUid}}"},"reason":"Started","note":"started container web" """),
        ]);
        Rbac(c);
    }

    /// <summary>
    /// Grants to shop/web: RoleBinding web-reads-secrets (the account), ClusterRoleBinding
    /// sa-view-nodes (group system:serviceaccounts), RoleBinding other/grant-shop-web (the user
    /// name; its ClusterRole does not exist). Not to it: alice's admin binding, default's binding.
    /// </summary>
    public static void Rbac(StandInCluster c) => c.AddRange(
    [
        Obj("rbac.authorization.k8s.io/v1", "Role", Ns, "secret-reader", "role-0001", ""","rules":[{"apiGroups":[""],"resources":["secrets"],"verbs":["get","list"]}]"""),
        Obj("rbac.authorization.k8s.io/v1", "RoleBinding", Ns, "web-reads-secrets", "rb-0001",
            ""","roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"secret-reader"},"subjects":[{"kind":"ServiceAccount","name":"web"}]"""),
        Obj("rbac.authorization.k8s.io/v1", "RoleBinding", Ns, "default-reads", "rb-0002",
            ""","roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"secret-reader"},"subjects":[{"kind":"ServiceAccount","name":"default","namespace":"shop"}]"""),
        Obj("rbac.authorization.k8s.io/v1", "RoleBinding", "other", "grant-shop-web", "rb-0003",
            ""","roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"},"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"system:serviceaccount:shop:web"}]"""),
        Obj("rbac.authorization.k8s.io/v1", "ClusterRole", null, "node-viewer", "cr-0001", ""","rules":[{"apiGroups":[""],"resources":["nodes"],"verbs":["get","list","watch"]}]"""),
        Obj("rbac.authorization.k8s.io/v1", "ClusterRole", null, "cluster-admin", "cr-0002", ""","rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]"""),
        Obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", null, "sa-view-nodes", "crb-0001",
            ""","roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"node-viewer"},"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"system:serviceaccounts"}]"""),
        Obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", null, "alice-admin", "crb-0002",
            ""","roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"alice"}]"""),
    ]);
}
