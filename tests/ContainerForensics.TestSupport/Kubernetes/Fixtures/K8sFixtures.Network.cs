using System.Text.Json.Nodes;

namespace ContainerForensics.TestSupport.Kubernetes.Fixtures;

public static partial class K8sFixtures
{
    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/ (ClusterIP, one TCP port).</summary>
    public static string Service(string ns, string name, string uid, IReadOnlyDictionary<string, string> selector, int port = 80, int targetPort = 8080, string clusterIp = "10.96.120.15") => Text(new JsonObject
    {
        ["kind"] = "Service",
        ["apiVersion"] = "v1",
        ["metadata"] = Metadata(ns, name, uid, labels: selector),
        ["spec"] = new JsonObject
        {
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["protocol"] = "TCP", ["port"] = port, ["targetPort"] = targetPort }),
            ["selector"] = Map(selector),
            ["clusterIP"] = clusterIp,
            ["clusterIPs"] = new JsonArray(clusterIp),
            ["type"] = "ClusterIP",
            ["sessionAffinity"] = "None",
            ["ipFamilies"] = new JsonArray("IPv4"),
            ["ipFamilyPolicy"] = "SingleStack",
            ["internalTrafficPolicy"] = "Cluster",
        },
        ["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() },
    });

    /// <summary>
    /// https://kubernetes.io/docs/reference/kubernetes-api/service-resources/endpoint-slice-v1/ : the
    /// slice the EndpointSlice controller keeps for a Service, one ready endpoint per pod (ip, pod name, pod uid).
    /// </summary>
    public static string EndpointSlice(string ns, string name, string uid, string service, string serviceUid, int port,
        params (string Ip, string Pod, string PodUid, string Node)[] endpoints) => Text(new JsonObject
    {
        ["kind"] = "EndpointSlice",
        ["apiVersion"] = "discovery.k8s.io/v1",
        ["metadata"] = Metadata(ns, name, uid,
            labels: new Dictionary<string, string> { ["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io", ["kubernetes.io/service-name"] = service },
            annotations: new Dictionary<string, string> { ["endpoints.kubernetes.io/last-change-trigger-time"] = Time(Created.AddSeconds(8)) },
            owners: [new OwnerReference("v1", "Service", service, serviceUid)], generation: 1, generateName: service + "-"),
        ["addressType"] = "IPv4",
        ["endpoints"] = new JsonArray([.. endpoints.Select(e => (JsonNode)new JsonObject
        {
            ["addresses"] = new JsonArray(e.Ip),
            ["conditions"] = new JsonObject { ["ready"] = true, ["serving"] = true, ["terminating"] = false },
            ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = ns, ["name"] = e.Pod, ["uid"] = e.PodUid },
            ["nodeName"] = e.Node,
        })]),
        ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["protocol"] = "TCP", ["port"] = port }),
    });

    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/ : ingress to the selected pods from pods with <paramref name="fromLabels"/> on one port.</summary>
    public static string NetworkPolicy(string ns, string name, string uid, IReadOnlyDictionary<string, string> podSelector, IReadOnlyDictionary<string, string> fromLabels, int port) => Text(new JsonObject
    {
        ["kind"] = "NetworkPolicy",
        ["apiVersion"] = "networking.k8s.io/v1",
        ["metadata"] = Metadata(ns, name, uid, generation: 1),
        ["spec"] = new JsonObject
        {
            ["podSelector"] = new JsonObject { ["matchLabels"] = Map(podSelector) },
            ["ingress"] = new JsonArray(new JsonObject
            {
                ["ports"] = new JsonArray(new JsonObject { ["protocol"] = "TCP", ["port"] = port }),
                ["from"] = new JsonArray(new JsonObject { ["podSelector"] = new JsonObject { ["matchLabels"] = Map(fromLabels) } }),
            }),
            ["policyTypes"] = new JsonArray("Ingress"),
        },
    });
}
