using System.Globalization;
using System.Text;
using ContainerForensics.Bolt;
using Microsoft.Win32.SafeHandles;

namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>
/// libpod's bolt_state.db (every Podman up to 4.x by default), read with cfir's own bbolt reader:
/// nothing is written, no lock is taken, and a torn or tampered file gives what can be read plus
/// problems. Buckets as libpod lays them out (libpod/boltdb_state_internal.go, checked against
/// v4.3.1 and v5):
/// <list type="bullet">
/// <item><c>runtime-config</c>: static-dir, tmp-dir, run-root, graph-root, graph-driver-name, volume-path, os;</item>
/// <item><c>all-ctrs</c>: id → name; <c>ctr</c> → &lt;id&gt; → <c>config</c> (ContainerConfig JSON), <c>state</c>
///   (ContainerState JSON), <c>netns</c>, <c>pod-id</c>, <c>namespace</c>, buckets <c>networks</c>
///   (name → options JSON), <c>dependencies</c> (id → name), <c>exec</c> (session id → ...);</item>
/// <item><c>exit-code</c>, <c>exit-code-time-stamp</c>: id → exit code, time (text);</item>
/// <item><c>pod</c> → &lt;id&gt; → <c>config</c>, <c>state</c>, bucket <c>containers</c>; <c>allPods</c>: id → name;</item>
/// <item><c>vol</c> → &lt;name&gt; → <c>config</c>, <c>state</c>, bucket <c>vol-dependencies</c>; <c>allVolumes</c>.</item>
/// </list>
/// </summary>
internal static class BoltLibpodReader
{
    public const int MaxRecords = 100_000;

    public static LibpodState Read(SafeFileHandle file, string imagePath, string shown)
    {
        var state = new LibpodState { Backend = "boltdb", Path = imagePath };
        BoltDatabase db;
        try
        {
            db = BoltDatabase.Open(file, shown);
        }
        catch (BoltFormatException ex)
        {
            state.Problems.Add(ex.Message);
            return state;
        }
        using (db)
        {
            state.Facts["pageSize"] = db.PageSize.ToString(CultureInfo.InvariantCulture);
            state.Facts["txId"] = db.TxId.ToString(CultureInfo.InvariantCulture);
            state.Facts["metaUsed"] = db.MetaUsed.ToString(CultureInfo.InvariantCulture);
            state.Facts["fileLength"] = db.FileLength.ToString(CultureInfo.InvariantCulture);
            var root = db.Root;
            if (root.Bucket("runtime-config") is { } config)
            {
                foreach (var e in Take(config.Entries(), state, "runtime-config"))
                {
                    if (e.Value is { } v)
                    {
                        state.RuntimeConfig[Text(e.Key)] = Text(v);
                    }
                }
            }
            else
            {
                state.Problems.Add("no runtime-config bucket: the paths the database was made with are not known");
            }
            ReadContainers(root, state);
            ReadPods(root, state);
            ReadVolumes(root, state);
            foreach (var p in db.Problems)
            {
                state.Problems.Add($"{shown}: {(p.PageId is { } page ? $"page {page}, " : "")}{p.Where}: {p.Reason}");
            }
        }
        return state;
    }

    private static void ReadContainers(BoltBucket root, LibpodState state)
    {
        var byId = new Dictionary<string, LibpodContainerRecord>(StringComparer.Ordinal);
        LibpodContainerRecord Record(string id) =>
            byId.TryGetValue(id, out var r) ? r : byId[id] = new LibpodContainerRecord { Id = id, Source = $"bolt_state.db ctr/{id}" };

        if (root.Bucket("ctr") is { } ctrs)
        {
            foreach (var e in Take(ctrs.Entries(), state, "ctr"))
            {
                string id = Text(e.Key);
                if (!PodmanIds.IsId(id))
                {
                    state.Problems.Add($"ctr: key {PodmanIds.Show(id)} is not a container id: not used");
                    continue;
                }
                if (e.Bucket is not { } bucket)
                {
                    state.Problems.Add($"ctr/{id} is a value, not a bucket: not used");
                    continue;
                }
                var r = Record(id);
                foreach (var k in Take(bucket.Entries(), state, $"ctr/{id}"))
                {
                    string key = Text(k.Key);
                    switch (key, k.Value, k.Bucket)
                    {
                        case ("config", { } v, null):
                            r.Config = v;
                            break;
                        case ("state", { } v, null):
                            r.State = v;
                            break;
                        case ("pod-id", { } v, null):
                            r.PodId = Text(v);
                            break;
                        case (_, { } v, null):
                            r.Values[key] = Text(v);
                            break;
                        case ("networks", null, { } b):
                            foreach (var n in Take(b.Entries(), state, $"ctr/{id}/networks"))
                            {
                                r.Networks[Text(n.Key)] = n.Value ?? [];
                            }
                            break;
                        case ("dependencies", null, { } b):
                            r.Dependencies.AddRange(Take(b.Entries(), state, $"ctr/{id}/dependencies").Select(d => Text(d.Key)));
                            break;
                        case ("exec", null, { } b):
                            r.ExecSessions.AddRange(Take(b.Entries(), state, $"ctr/{id}/exec").Select(d => Text(d.Key)));
                            break;
                        default:
                            r.Values[key] = "(a bucket)";
                            break;
                    }
                }
                if (r.Config is null)
                {
                    state.Problems.Add($"ctr/{id} has no config");
                }
            }
        }
        else
        {
            state.Problems.Add("no ctr bucket: no container record can be read");
        }
        if (root.Bucket("all-ctrs") is { } all)
        {
            foreach (var e in Take(all.Entries(), state, "all-ctrs"))
            {
                string id = Text(e.Key);
                if (!PodmanIds.IsId(id))
                {
                    state.Problems.Add($"all-ctrs: key {PodmanIds.Show(id)} is not a container id: not used");
                    continue;
                }
                if (!byId.ContainsKey(id))
                {
                    state.Problems.Add($"all-ctrs lists {id} but ctr has no bucket for it");
                }
                Record(id).Name = e.Value is { } name ? Text(name) : null;
            }
        }
        foreach (var (bucket, key) in new[] { ("exit-code", "exitCode"), ("exit-code-time-stamp", "exitCodeTime") })
        {
            if (root.Bucket(bucket) is not { } b)
            {
                continue;
            }
            foreach (var e in Take(b.Entries(), state, bucket))
            {
                if (e.Value is { } v && byId.TryGetValue(Text(e.Key), out var r))
                {
                    r.Values[key] = Text(v);
                }
            }
        }
        state.Containers.AddRange(byId.Values.OrderBy(r => r.Id, StringComparer.Ordinal));
    }

    private static void ReadPods(BoltBucket root, LibpodState state)
    {
        if (root.Bucket("pod") is not { } pods)
        {
            return;
        }
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.Bucket("allPods") is { } all)
        {
            foreach (var e in Take(all.Entries(), state, "allPods"))
            {
                names[Text(e.Key)] = e.Value is { } v ? Text(v) : "";
            }
        }
        foreach (var e in Take(pods.Entries(), state, "pod"))
        {
            string id = Text(e.Key);
            if (!PodmanIds.IsId(id) || e.Bucket is not { } bucket)
            {
                state.Problems.Add($"pod: key {PodmanIds.Show(id)} is not a pod id with a bucket: not used");
                continue;
            }
            var pod = new LibpodPodRecord { Id = id, Name = names.GetValueOrDefault(id), Config = bucket.Get("config"u8), State = bucket.Get("state"u8) };
            if (bucket.Bucket("containers") is { } members)
            {
                pod.Containers.AddRange(Take(members.Entries(), state, $"pod/{id}/containers").Select(m => Text(m.Key)));
            }
            state.Pods.Add(pod);
        }
    }

    private static void ReadVolumes(BoltBucket root, LibpodState state)
    {
        if (root.Bucket("vol") is not { } vols)
        {
            return;
        }
        foreach (var e in Take(vols.Entries(), state, "vol"))
        {
            string name = Text(e.Key);
            if (e.Bucket is not { } bucket)
            {
                state.Problems.Add($"vol: key {PodmanIds.Show(name)} is not a bucket: not used");
                continue;
            }
            var vol = new LibpodVolumeRecord { Name = name, Config = bucket.Get("config"u8), State = bucket.Get("state"u8) };
            if (bucket.Bucket("vol-dependencies") is { } users)
            {
                vol.Containers.AddRange(Take(users.Entries(), state, $"vol/{name}/vol-dependencies").Select(m => Text(m.Key)));
            }
            state.Volumes.Add(vol);
        }
    }

    /// <summary>At most <see cref="MaxRecords"/> entries of a bucket; a problem says when there were more.</summary>
    private static IEnumerable<BoltEntry> Take(IEnumerable<BoltEntry> entries, LibpodState state, string where)
    {
        int n = 0;
        foreach (var e in entries)
        {
            if (++n > MaxRecords)
            {
                state.Problems.Add($"{where}: more than {MaxRecords} entries; the rest were not read");
                yield break;
            }
            yield return e;
        }
    }

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
