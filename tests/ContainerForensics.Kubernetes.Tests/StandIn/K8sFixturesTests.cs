using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ContainerForensics.TestSupport.Kubernetes;
using ContainerForensics.TestSupport.Kubernetes.Fixtures;

namespace ContainerForensics.Kubernetes.Tests.StandIn;

/// <summary>The fixtures are what tests trust as "a real cluster's objects": their shapes and time formats are checked here.</summary>
public sealed partial class K8sFixturesTests
{
    [Fact]
    public void TheIncidentScenarioIsWhollyServedAndItsObjectsCarryIdentity()
    {
        var cluster = new StandInCluster();
        var scenario = IncidentScenario.Fill(cluster);

        foreach (var json in scenario.Objects())
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            var meta = root.GetProperty("metadata");
            string? ns = meta.TryGetProperty("namespace", out var n) ? n.GetString() : null;
            Assert.Equal(json, cluster.Find(root.GetProperty("apiVersion").GetString()!, root.GetProperty("kind").GetString()!, ns, meta.GetProperty("name").GetString()!));
            Assert.Matches(Uid(), meta.GetProperty("uid").GetString()!);
            Assert.Matches(SecondsTime(), meta.GetProperty("creationTimestamp").GetString()!);
            Assert.False(string.IsNullOrEmpty(meta.GetProperty("resourceVersion").GetString()));
        }
    }

    [Fact]
    public void ThePodOfTheIncidentHasEveryKindOfContainerAndReference()
    {
        var scenario = new IncidentScenario();
        using var doc = JsonDocument.Parse(scenario.Objects().Single(o => o.Contains($"\"name\":\"{scenario.PodName}\",\"generateName\"", StringComparison.Ordinal)));
        var pod = doc.RootElement;
        var spec = pod.GetProperty("spec");
        var status = pod.GetProperty("status");

        Assert.Equal(scenario.AppContainers, spec.GetProperty("containers").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(scenario.InitContainer, spec.GetProperty("initContainers")[0].GetProperty("name").GetString());
        Assert.Equal("app", spec.GetProperty("ephemeralContainers")[0].GetProperty("targetContainerName").GetString());
        Assert.Equal(scenario.SecretName, spec.GetProperty("containers")[0].GetProperty("env")[1].GetProperty("valueFrom").GetProperty("secretKeyRef").GetProperty("name").GetString());
        Assert.Equal(scenario.ClaimName, spec.GetProperty("volumes")[2].GetProperty("persistentVolumeClaim").GetProperty("claimName").GetString());
        Assert.Equal("registry-creds", spec.GetProperty("imagePullSecrets")[0].GetProperty("name").GetString());
        Assert.Equal(scenario.ReplicaSetUid, pod.GetProperty("metadata").GetProperty("ownerReferences")[0].GetProperty("uid").GetString());
        var sidecar = status.GetProperty("containerStatuses")[1];
        Assert.Equal(137, sidecar.GetProperty("lastState").GetProperty("terminated").GetProperty("exitCode").GetInt32());
        Assert.StartsWith("containerd://", sidecar.GetProperty("containerID").GetString(), StringComparison.Ordinal);
        Assert.Equal("Completed", status.GetProperty("initContainerStatuses")[0].GetProperty("state").GetProperty("terminated").GetProperty("reason").GetString());
        Assert.Equal(JsonValueKind.Object, status.GetProperty("ephemeralContainerStatuses")[0].GetProperty("state").GetProperty("running").ValueKind);
        Assert.Equal("2026-12-07T09:00:00.123456789Z", pod.GetProperty("futureField").GetProperty("nanos").GetString());
    }

    [Fact]
    public void EventTimesKeepTheirApiPrecision()
    {
        var e = new EventFixture("shop", "p.1", K8sFixtures.Uuid("e"), "BackOff", "Back-off")
        {
            Regarding = ("v1", "Pod", "p", "uid-p"),
            Time = new DateTimeOffset(2026, 12, 7, 9, 0, 10, TimeSpan.Zero).AddTicks(4_567_890),
            Count = 3,
        };

        using var core = JsonDocument.Parse(K8sFixtures.CoreEvent(e));
        using var modern = JsonDocument.Parse(K8sFixtures.Event(e));

        Assert.Equal("2026-12-07T09:00:10Z", core.RootElement.GetProperty("firstTimestamp").GetString());
        Assert.Equal(JsonValueKind.Null, core.RootElement.GetProperty("eventTime").ValueKind);
        Assert.Equal("2026-12-07T09:00:10.456789Z", modern.RootElement.GetProperty("eventTime").GetString());
        Assert.Equal(3, modern.RootElement.GetProperty("series").GetProperty("count").GetInt32());
        Assert.Equal("uid-p", modern.RootElement.GetProperty("regarding").GetProperty("uid").GetString());
    }

    [Fact]
    public void SecretValuesAreStoredBase64()
    {
        using var doc = JsonDocument.Parse(K8sFixtures.Secret("shop", "s", K8sFixtures.Uuid("s"), new Dictionary<string, string> { ["password"] = "s3cr3t+/=" }));

        string stored = doc.RootElement.GetProperty("data").GetProperty("password").GetString()!;

        Assert.Equal("s3cr3t+/=", Encoding.UTF8.GetString(Convert.FromBase64String(stored)));
        Assert.Equal("Opaque", doc.RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public void AddRefusesWhatARealServerWouldNotStore()
    {
        var cluster = new StandInCluster();

        Assert.Throws<ArgumentException>(() => cluster.Add("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}"""));
        Assert.Throws<ArgumentException>(() => cluster.Add("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"n","namespace":"x"}}"""));
        Assert.Throws<ArgumentException>(() => cluster.Add("""{"apiVersion":"ops.example.com/v1","kind":"Task","metadata":{"name":"t","namespace":"x"}}"""));
        Assert.Throws<ArgumentException>(() => cluster.Add("not json"));
    }

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    private static partial Regex Uid();

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")]
    private static partial Regex SecondsTime();
}
