using System.Text.Json.Nodes;

namespace ContainerForensics.TestSupport.Kubernetes.Fixtures;

public static partial class K8sFixtures
{
    /// <summary>
    /// The core/v1 Event (https://kubernetes.io/docs/reference/generated/kubernetes-api/v1.32/#event-v1-core):
    /// involvedObject, source, first/lastTimestamp with seconds, and eventTime null as the
    /// kubelet's legacy recorder writes it.
    /// </summary>
    public static string CoreEvent(EventFixture e)
    {
        var involved = new JsonObject
        {
            ["kind"] = e.Regarding.Kind,
            ["namespace"] = e.Namespace,
            ["name"] = e.Regarding.Name,
            ["uid"] = e.Regarding.Uid,
            ["apiVersion"] = e.Regarding.ApiVersion,
            ["resourceVersion"] = "100412",
        };
        if (e.FieldPath is not null)
        {
            involved["fieldPath"] = e.FieldPath;
        }
        return Text(new JsonObject
        {
            ["kind"] = "Event",
            ["apiVersion"] = "v1",
            ["metadata"] = Metadata(e.Namespace, e.Name, e.Uid, e.Time),
            ["involvedObject"] = involved,
            ["reason"] = e.Reason,
            ["message"] = e.Message,
            ["source"] = new JsonObject { ["component"] = e.ReportingController, ["host"] = e.ReportingInstance },
            ["firstTimestamp"] = Time(e.Time),
            ["lastTimestamp"] = Time(e.LastTime ?? e.Time),
            ["count"] = e.Count,
            ["type"] = e.Type,
            ["eventTime"] = null,
            ["reportingComponent"] = e.ReportingController,
            ["reportingInstance"] = e.ReportingInstance,
        });
    }

    /// <summary>
    /// https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/event-v1/ : the
    /// events.k8s.io/v1 view, eventTime a MicroTime (microseconds), note instead of message,
    /// regarding instead of involvedObject, deprecated* fields carrying the core ones.
    /// </summary>
    public static string Event(EventFixture e)
    {
        var regarding = new JsonObject
        {
            ["kind"] = e.Regarding.Kind,
            ["namespace"] = e.Namespace,
            ["name"] = e.Regarding.Name,
            ["uid"] = e.Regarding.Uid,
            ["apiVersion"] = e.Regarding.ApiVersion,
            ["resourceVersion"] = "100412",
        };
        if (e.FieldPath is not null)
        {
            regarding["fieldPath"] = e.FieldPath;
        }
        var ev = new JsonObject
        {
            ["kind"] = "Event",
            ["apiVersion"] = "events.k8s.io/v1",
            ["metadata"] = Metadata(e.Namespace, e.Name, e.Uid, e.Time),
            ["eventTime"] = MicroTime(e.Time),
            ["reportingController"] = e.ReportingController,
            ["reportingInstance"] = e.ReportingInstance,
            ["action"] = e.Action ?? e.Reason,
            ["reason"] = e.Reason,
            ["regarding"] = regarding,
            ["note"] = e.Message,
            ["type"] = e.Type,
            ["deprecatedSource"] = new JsonObject { ["component"] = e.ReportingController, ["host"] = e.ReportingInstance },
            ["deprecatedFirstTimestamp"] = Time(e.Time),
            ["deprecatedLastTimestamp"] = Time(e.LastTime ?? e.Time),
            ["deprecatedCount"] = e.Count,
        };
        if (e.Count > 1)
        {
            ev["series"] = new JsonObject { ["count"] = e.Count, ["lastObservedTime"] = MicroTime(e.LastTime ?? e.Time) };
        }
        return Text(ev);
    }
}
