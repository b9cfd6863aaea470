using System.Text;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.TestSupport.Kubernetes.Fixtures;

namespace ContainerForensics.Kubernetes.Tests;

/// <summary>
/// The Volatile phase of a pod against the stand-in API server (the incident scenario): the pod
/// object as the server's bytes, and the logs of every container, current and previous, or a
/// record of why not; a pod that vanished or was replaced is not attributed.
/// </summary>
public sealed class PodVolatileTests
{
    private static async Task<(StandInRig Rig, IncidentScenario Scenario)> StartAsync()
    {
        IncidentScenario? scenario = null;
        var rig = await StandInRig.StartAsync(c => scenario = IncidentScenario.Fill(c));
        return (rig, scenario!);
    }

    private static string Stamped(IncidentScenario s, IReadOnlyList<string> lines) =>
        string.Concat(lines.Select((line, i) => s.LineTime(i).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", System.Globalization.CultureInfo.InvariantCulture) + "00Z " + line + "\n"));

    [Fact]
    public async Task The_pod_object_is_the_servers_bytes_and_every_containers_logs_are_taken_current_and_previous()
    {
        var (rig, s) = await StartAsync();
        await using var _ = rig;
        var runtime = await rig.ConnectAsync();
        var pod = await StandInRig.PodAsync(runtime, s.Namespace, s.PodName);

        var sink = await StandInRig.CollectAsync(runtime, pod, CollectionPhase.Volatile);

        // Byte-exact, the unknown field and its nanosecond time included.
        Assert.Equal(Encoding.UTF8.GetBytes(rig.Cluster.Find("v1", "Pod", s.Namespace, s.PodName)!), sink["pod.json"].Content);
        Assert.Contains("futureField", sink["pod.json"].Text, StringComparison.Ordinal);
        Assert.Equal(Stamped(s, s.AppLog), sink["app/app.log"].Text);
        Assert.Equal(Stamped(s, s.SidecarLog), sink["app/sidecar.log"].Text);
        Assert.Equal(Stamped(s, s.PreviousLog), sink["app/sidecar.previous.log"].Text);
        Assert.Equal(EntryStatus.Collected, sink["init/init-config.log"].Status);
        Assert.Equal(EntryStatus.Collected, sink[$"ephemeral/{s.EphemeralContainer}.log"].Status);
        // Both logs of every container are recorded: a previous instance that never existed is absent, with why.
        var absent = sink["app/app.previous.log"];
        Assert.Equal(EntryStatus.Absent, absent.Status);
        Assert.Contains("restartCount 0", absent.Reason, StringComparison.Ordinal);
        Assert.Equal(EntryStatus.Absent, sink[$"ephemeral/{s.EphemeralContainer}.previous.log"].Status);
        Assert.All(sink.Items.Where(i => i.Item.Name!.EndsWith(".log", StringComparison.Ordinal)), i => Assert.Equal(EvidenceSection.Logs, i.Item.Section));
        Assert.Empty(sink.ErrorTexts);
        // Every log call asked for the kubelet's timestamps.
        Assert.All(rig.Server.Requests.Where(r => r.Path.EndsWith("/log", StringComparison.Ordinal)), r => Assert.Equal("true", r.Query("timestamps")));
    }

    [Fact]
    public async Task A_crash_looping_containers_previous_log_is_taken()
    {
        var (rig, s) = await StartAsync();
        await using var _ = rig;
        var runtime = await rig.ConnectAsync();
        var sink = await StandInRig.CollectAsync(runtime, await StandInRig.PodAsync(runtime, s.Namespace, s.CrashLoopPodName), CollectionPhase.Volatile);

        Assert.Equal(Stamped(s, s.CrashLog), sink[$"app/{s.CrashLoopContainer}.previous.log"].Text);
        Assert.Contains("restartCount 7", sink[$"app/{s.CrashLoopContainer}.previous.log"].Item.Source!.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_log_longer_than_max_file_size_is_cut_there_and_truncated_and_one_that_fits_is_whole()
    {
        var (rig, s) = await StartAsync();
        await using var _ = rig;
        var runtime = await rig.ConnectAsync();
        var pod = await StandInRig.PodAsync(runtime, s.Namespace, s.PodName);
        int whole = Encoding.UTF8.GetByteCount(Stamped(s, s.SidecarLog));

        var sink = await StandInRig.CollectAsync(runtime, pod, CollectionPhase.Volatile, new CollectionOptions { MaxFileSize = whole });

        Assert.Equal(EntryStatus.Collected, sink["app/sidecar.log"].Status); // exactly the cap: whole
        var cut = sink["app/app.log"];
        Assert.Equal(EntryStatus.Truncated, cut.Status);
        Assert.Equal(whole, cut.Content.Length);
        Assert.Equal(Encoding.UTF8.GetBytes(Stamped(s, s.AppLog))[..whole], cut.Content);
        Assert.All(rig.Server.Requests.Where(r => r.Path.EndsWith("/log", StringComparison.Ordinal)), r => Assert.Equal((whole + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), r.Query("limitBytes")));
    }

    [Fact]
    public async Task A_pod_deleted_between_list_and_collection_vanished()
    {
        var (rig, s) = await StartAsync();
        await using var _ = rig;
        var runtime = await rig.ConnectAsync();
        var pod = await StandInRig.PodAsync(runtime, s.Namespace, s.PodName);
        Assert.True(rig.Cluster.Remove("v1", "Pod", s.Namespace, s.PodName));

        var gone = await Assert.ThrowsAsync<ContainerGoneException>(() => StandInRig.CollectAsync(runtime, pod, CollectionPhase.Volatile));
        Assert.Contains("404", gone.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pod_replaced_by_another_of_the_same_name_is_not_attributed_to_the_listed_one()
    {
        var (rig, s) = await StartAsync();
        await using var _ = rig;
        var runtime = await rig.ConnectAsync();
        var pod = await StandInRig.PodAsync(runtime, s.Namespace, s.CrashLoopPodName);
        // A StatefulSet recreates its pod under the same name, with a new uid.
        rig.Cluster.Add(K8sFixtures.Pod(new PodFixture(s.Namespace, s.CrashLoopPodName, K8sFixtures.Uuid("pod/cache-0/second"))));

        var gone = await Assert.ThrowsAsync<ContainerGoneException>(() => StandInRig.CollectAsync(runtime, pod, CollectionPhase.Volatile));
        Assert.Contains("another created under its name", gone.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hung_log_costs_the_call_budget_and_the_other_logs_are_still_taken()
    {
        var (rig, s) = await StartAsync();
        await using var _ = rig;
        var runtime = await rig.ConnectAsync(callTimeout: TimeSpan.FromSeconds(1));
        var pod = await StandInRig.PodAsync(runtime, s.Namespace, s.PodName);
        rig.Server.Hook = async context =>
        {
            if (context.Request.Path.Value!.EndsWith("/log", StringComparison.Ordinal) && context.Request.Query["container"] == "app")
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            return false;
        };

        var sink = await StandInRig.CollectAsync(runtime, pod, CollectionPhase.Volatile);

        var hung = sink["app/app.log"];
        Assert.Equal(EntryStatus.Failed, hung.Status);
        Assert.Contains("did not answer within 1 s", hung.Reason, StringComparison.Ordinal);
        Assert.Equal(Stamped(s, s.PreviousLog), sink["app/sidecar.previous.log"].Text);
    }

    [Fact]
    public async Task A_log_stream_that_stops_sending_keeps_what_arrived_and_is_partial()
    {
        var (rig, s) = await StartAsync();
        await using var _ = rig;
        var runtime = await rig.ConnectAsync(callTimeout: TimeSpan.FromSeconds(1));
        var pod = await StandInRig.PodAsync(runtime, s.Namespace, s.CrashLoopPodName);
        rig.Cluster.Faults.StallBody($"/api/v1/namespaces/{s.Namespace}/pods/{s.CrashLoopPodName}/log", 20);

        var sink = await StandInRig.CollectAsync(runtime, pod, CollectionPhase.Volatile);

        var stalled = sink[$"app/{s.CrashLoopContainer}.previous.log"];
        Assert.Equal(EntryStatus.Partial, stalled.Status);
        Assert.Contains("stopped sending", stalled.Reason, StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetBytes(Stamped(s, s.CrashLog))[..20], stalled.Content);
    }

    [Fact]
    public async Task A_429_is_retried_after_its_Retry_After_within_the_budget()
    {
        var (rig, s) = await StartAsync();
        await using var _ = rig;
        var runtime = await rig.ConnectAsync(callTimeout: TimeSpan.FromSeconds(10));
        var pod = await StandInRig.PodAsync(runtime, s.Namespace, s.PodName);
        string path = $"/api/v1/namespaces/{s.Namespace}/pods/{s.PodName}";
        rig.Cluster.Faults.TooManyRequests(path, 1, 1);

        var sink = await StandInRig.CollectAsync(runtime, pod, CollectionPhase.Volatile);

        Assert.Equal(EntryStatus.Collected, sink["pod.json"].Status);
        Assert.Equal([429, 200], rig.Server.Requests.Where(r => r.Path == path).Select(r => r.StatusCode));
    }

    [Fact]
    public async Task A_429_asking_for_more_than_the_budget_is_recorded_with_the_servers_words()
    {
        var (rig, s) = await StartAsync();
        await using var _ = rig;
        var runtime = await rig.ConnectAsync(callTimeout: TimeSpan.FromSeconds(1));
        var pod = await StandInRig.PodAsync(runtime, s.Namespace, s.PodName);
        rig.Cluster.Faults.TooManyRequests($"/api/v1/namespaces/{s.Namespace}/pods/{s.PodName}/log", 100, 30);

        var sink = await StandInRig.CollectAsync(runtime, pod, CollectionPhase.Volatile);

        var refused = sink["app/app.log"];
        Assert.Equal(EntryStatus.Failed, refused.Status);
        Assert.Contains("429", refused.Reason, StringComparison.Ordinal);
        Assert.Contains("retry after 30 s", refused.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forbidden_logs_are_failed_entries_naming_the_identity_and_the_pod_is_still_taken()
    {
        var (rig, s) = await StartAsync();
        await using var _ = rig;
        rig.Cluster.Faults.Forbid("pods/log", s.Namespace);
        var runtime = await rig.ConnectAsync();
        var sink = await StandInRig.CollectAsync(runtime, await StandInRig.PodAsync(runtime, s.Namespace, s.PodName), CollectionPhase.Volatile);

        Assert.Equal(EntryStatus.Collected, sink["pod.json"].Status);
        var forbidden = sink["app/app.log"];
        Assert.Equal(EntryStatus.Failed, forbidden.Status);
        Assert.Contains("forbidden to user ", forbidden.Reason, StringComparison.Ordinal);
        Assert.Contains("pods/log", forbidden.Reason, StringComparison.Ordinal);
    }
}
