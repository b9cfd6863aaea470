using System.Text;
using System.Text.Json;
using ContainerForensics.Evidence.Reading;
using ContainerForensics.Report.Findings;
using ContainerForensics.Report.Timeline;

namespace ContainerForensics.Report.Triage;

/// <summary>
/// Reads a sealed archive once, front to back, and keeps per container only what the report
/// and the rules need: inspect.json's state and privileges, processes.json, sockets.json, the
/// engine's change list, the writable layer's account files and the files a content rule
/// reads (first MiB), the last log lines; then, as the manifest (written last) streams by, the
/// writable-layer files that are executable, SUID/SGID, deleted or named by a rule, with their
/// sha256, mode and kind. Memory is bounded by the caps below, whatever the archive's size.
/// </summary>
public sealed class TriageReader(RuleSet rules)
{
    public int MaxDocumentBytes { get; init; } = 64 * 1024 * 1024;
    public int ContentScanBytes { get; init; } = 1024 * 1024;
    public int LogTailLines { get; init; } = 20;
    public int MaxLogLineChars { get; init; } = 512;
    public int MaxChanges { get; init; } = 100_000;

    /// <summary>
    /// Whether the archive's own sha256 is taken on the way (<see cref="TriageResult.ArchiveSha256"/>);
    /// false when another pass hashes the same file, or when the writer that just made it did.
    /// </summary>
    public bool Hashes { get; init; } = true;

    /// <summary>The log excerpts around findings (a second pass, up to the last log member needed); null: none.</summary>
    public LogExcerptReader? Excerpts { get; init; } = new();

    private const string Changed = "/filesystem/changed/";
    private const string Full = "/filesystem/full/";

    private readonly Dictionary<string, ContainerSummary> _containers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _sha256 = new(StringComparer.Ordinal);
    private readonly HashSet<string> _wanted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, string>> _contentHits = new(StringComparer.Ordinal);

    /// <summary>The rules that read a file's content: looked at for every filesystem member, so picked out once.</summary>
    private readonly CompiledRule[] _contentRules = [.. rules.Rules.Where(r => r.Content is not null)];

    public TriageResult Read(string archivePath, string? zipPassword = null)
    {
        using var input = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Read(input, archivePath, zipPassword);
    }

    /// <summary>
    /// Reads the archive from <paramref name="input"/>, once (a pipe will do); the log excerpts'
    /// second pass needs it as a file, at <paramref name="archivePath"/> (none: no excerpts).
    /// </summary>
    public TriageResult Read(Stream input, string? archivePath, string? zipPassword = null)
    {
        var result = new TriageResult();
        var options = new ArchiveReaderOptions
        {
            ZipPassword = zipPassword,
            OnManifestLine = OnManifestLine,
            BriefManifest = true, // OnManifestLine reads path, kind, mode, size, sha256 and mtime only
            OnProblem = p => result.Problem(p.ToString()),
            Hashes = Hashes,
        };
        using (var reader = new EvidenceArchiveReader(input, options))
        {
            while (reader.MoveNext())
            {
                if (reader.Current is { HasContent: true } member)
                {
                    ReadMember(reader, member.Name, result);
                }
            }
            result.Seal = reader.Seal;
            result.Acquisition = reader.Acquisition;
            result.ArchiveSha256 = Hashes ? reader.ArchiveSha256() : null;
        }
        result.Containers.AddRange(_containers.Values.OrderBy(c => c.Folder, StringComparer.Ordinal));
        result.Findings.AddRange(FindingsEngine.Evaluate(rules, result.Containers, Sha256Of));
        if (Excerpts is { } excerpts && archivePath is not null)
        {
            try
            {
                result.Excerpts = excerpts.Read(archivePath, zipPassword, result.Findings, result.Containers);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or FormatException)
            {
                result.Problem($"log excerpts: the second pass over the archive failed: {ex.Message}");
            }
        }
        result.Sha256 = new Dictionary<string, string?>(_sha256, StringComparer.Ordinal);
        return result;
    }

    private string? Sha256Of(string path) => _sha256.TryGetValue(path, out var sha) ? sha : null;

    private static readonly HashSet<string> Sections = new(StringComparer.Ordinal) { "volatile", "metadata", "logs", "filesystem", "volumes", "api" };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> SectionOf = Sections.GetAlternateLookup<ReadOnlySpan<char>>();

    private const string ContainersFolder = "containers/";

    /// <summary>
    /// The container folder an archive path belongs to, and the path's section: the first
    /// section segment from the left (past <c>containers/&lt;rt&gt;/&lt;ns&gt;</c>), because what
    /// follows <c>filesystem/changed/</c> is the container's own path and may hold any name
    /// ("/srv/api/logs"); a nested container's folder comes before its first section too, and its
    /// runtime is the segment after the last <c>nested</c> before that section. Called for every
    /// member and every manifest line, so it walks the path's segments in place instead of
    /// splitting it (100,000 files: two splits a file were 1.4 % of a collection's CPU).
    /// </summary>
    internal static (string Folder, string Runtime, string Section)? Locate(string archivePath)
    {
        if (!archivePath.StartsWith(ContainersFolder, StringComparison.Ordinal))
        {
            return null;
        }
        ReadOnlySpan<char> path = archivePath;
        Range runtime = default;
        bool afterNested = false;
        for (int index = 1, start = ContainersFolder.Length; ; index++)
        {
            int slash = path[start..].IndexOf('/');
            if (slash < 0)
            {
                return null; // the last segment names an entry, never a section
            }
            int end = start + slash;
            var segment = path[start..end];
            if (index == 1 || afterNested)
            {
                runtime = start..end;
            }
            afterNested = segment.SequenceEqual("nested");
            if (index >= 4 && SectionOf.TryGetValue(segment, out string? section))
            {
                return (archivePath[..(start - 1)], archivePath[runtime], section);
            }
            start = end + 1;
        }
    }

    private ContainerSummary Container(string folder, string runtime)
    {
        if (!_containers.TryGetValue(folder, out var c))
        {
            _containers[folder] = c = new ContainerSummary(runtime, folder);
        }
        return c;
    }

    private void ReadMember(EvidenceArchiveReader reader, string name, TriageResult result)
    {
        if (Locate(name) is not var (folder, runtime, section))
        {
            return;
        }
        var c = Container(folder, runtime);
        string rest = name[(folder.Length + 1)..];
        if (rest == "metadata/inspect.json")
        {
            c.InspectPath = name;
            Document(reader, name, result, root => ContainerDocuments.FromInspect(root, c));
        }
        else if (rest == "metadata/files/config.v2.json")
        {
            // A dead-box Docker container: its record as dockerd kept it (no inspect was asked).
            c.InspectPath ??= name;
            Document(reader, name, result, root => ContainerDocuments.FromDockerRecord(root, c));
        }
        else if (rest == "metadata/files/hostconfig.json")
        {
            c.HostConfigPath = name;
            Document(reader, name, result, root => ContainerDocuments.FromHostConfig(root, c));
        }
        else if (rest == "metadata/libpod-config.json" && (c.InspectPath ??= name) == name)
        {
            // A dead-box Podman container: libpod's own record (its OCI spec within), as stored.
            Document(reader, name, result, root => LibpodDocuments.FromConfig(root, c));
        }
        else if (rest == "metadata/libpod-state.json" && (c.InspectPath is null || c.InspectPath.EndsWith("/metadata/libpod-config.json", StringComparison.Ordinal)))
        {
            Document(reader, name, result, root => LibpodDocuments.FromState(root, c));
        }
        else if (rest == "metadata/spec.json")
        {
            // containerd's OCI spec: the privileges, where no engine's inspect gave them.
            c.InspectPath ??= name;
            Document(reader, name, result, root => OciSpecDocument.FromSpec(root, c));
        }
        else if (section == "api" && rest.StartsWith("api/metadata/", StringComparison.Ordinal))
        {
            KubernetesMember(reader, name, rest["api/metadata/".Length..], folder + "/api/metadata/", c, result);
        }
        else if (rest == "volatile/processes.json")
        {
            c.ProcessesPath = name;
            Document(reader, name, result, root => ContainerDocuments.FromProcesses(root, c));
            foreach (var p in c.Processes)
            {
                if (p.ExeStoredAs is { } exe)
                {
                    _wanted.Add(exe);
                }
            }
        }
        else if (rest.StartsWith("volatile/network/", StringComparison.Ordinal) && rest.EndsWith("/sockets.json", StringComparison.Ordinal))
        {
            Document(reader, name, result, root => ContainerDocuments.FromSockets(root, c, name));
        }
        else if (rest == "metadata/changes.json")
        {
            Document(reader, name, result, root => Changes(root, c, result));
        }
        else if (section == "logs" && (rest.EndsWith("/stdout.log", StringComparison.Ordinal) || rest.EndsWith("/stderr.log", StringComparison.Ordinal) || rest.EndsWith("/tty.log", StringComparison.Ordinal)))
        {
            c.LogMembers.Add(name);
            MemberText.ForEachLine(reader, MaxLogLineChars * 4, (line, cut) =>
            {
                c.LogTail.Enqueue((name, line.Length > MaxLogLineChars ? line[..MaxLogLineChars] : line));
                while (c.LogTail.Count > LogTailLines)
                {
                    c.LogTail.Dequeue();
                }
            });
            _wanted.Add(name);
        }
        else if ((section == "logs" || rest.StartsWith("api/logs/", StringComparison.Ordinal)) && rest.EndsWith(".log", StringComparison.Ordinal))
        {
            // Log files on disk (json-file, CRI <n>.log) and the Kubernetes API's logs: read again for excerpts only.
            c.LogMembers.Add(name);
            _wanted.Add(name);
        }
        else if (section == "filesystem" && TreePath(rest) is var (full, inContainer))
        {
            if (inContainer is "/etc/passwd" or "/etc/shadow")
            {
                Accounts(reader, name, inContainer, full, c);
                _wanted.Add(name);
                return;
            }
            // A full tree is the image as well as the changes: only the rules that say "present" read its files.
            List<CompiledRule>? content = null;
            foreach (var rule in _contentRules)
            {
                if ((!full || rule.AcceptsPresent) && rule.PathMatches(inContainer))
                {
                    (content ??= []).Add(rule);
                }
            }
            if (content is null)
            {
                return;
            }
            string text = Encoding.Latin1.GetString(Head(reader, ContentScanBytes));
            foreach (var rule in content)
            {
                try
                {
                    if (rule.Content!.Match(text) is { Success: true } m)
                    {
                        (_contentHits.TryGetValue(name, out var hits) ? hits : _contentHits[name] = new(StringComparer.Ordinal))[rule.Rule.Id] = m.Value;
                    }
                }
                catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
                {
                    result.Problem($"{name}: rule {rule.Rule.Id}'s pattern timed out");
                }
            }
        }
    }

    /// <summary>A pod's documents from the Kubernetes API server: the pod, cfir's grants summary, and the bindings, roles and Secret digests findings point at.</summary>
    private void KubernetesMember(EvidenceArchiveReader reader, string name, string item, string metadataFolder, ContainerSummary c, TriageResult result)
    {
        var pod = c.Pod ??= new KubernetesPod();
        if (item == "pod.json")
        {
            pod.PodPath = name;
            c.InspectPath = name;
            Document(reader, name, result, root => PodDocuments.FromPod(root, c, pod));
        }
        else if (item == "rbac/grants.json")
        {
            pod.GrantsPath = name;
            Document(reader, name, result, root => PodDocuments.FromGrants(root, pod, metadataFolder));
        }
        else if (item.StartsWith("rbac/", StringComparison.Ordinal))
        {
            _wanted.Add(name);
        }
        else if (item.StartsWith("secrets/", StringComparison.Ordinal) && item.EndsWith(".json", StringComparison.Ordinal) && !item.EndsWith(".server.json", StringComparison.Ordinal))
        {
            _wanted.Add(name);
            pod.SecretDigests[item["secrets/".Length..^".json".Length]] = name;
        }
    }

    /// <summary>
    /// A filesystem member's tree and in-container path: <c>filesystem/changed/PATH</c> (the
    /// writable layer) or <c>filesystem/full/PATH</c> (the whole tree: not a diff against the image).
    /// </summary>
    internal static (bool Full, string InContainer)? TreePath(string rest) =>
        rest.StartsWith("filesystem/changed/", StringComparison.Ordinal) ? (false, rest["filesystem/changed".Length..])
        : rest.StartsWith("filesystem/full/", StringComparison.Ordinal) ? (true, rest["filesystem/full".Length..])
        : null;

    private void Accounts(EvidenceArchiveReader reader, string name, string file, bool fullTree, ContainerSummary c)
    {
        string text = Encoding.UTF8.GetString(Head(reader, ContentScanBytes));
        foreach (var line in text.Split('\n'))
        {
            var f = line.Split(':');
            if (f.Length < 2 || f[0].Length == 0 || f[0].StartsWith('#'))
            {
                continue;
            }
            string? uid = file == "/etc/passwd" && f.Length > 2 ? f[2] : null;
            bool empty = f[1].Length == 0;
            if (empty || (uid == "0" && f[0] != "root"))
            {
                c.Accounts.Add(new AccountEntry(file, f[0], uid, empty, name) { FullTree = fullTree });
            }
        }
    }

    private void Changes(JsonElement root, ContainerSummary c, TriageResult result)
    {
        if (root.ValueKind != JsonValueKind.Array)
        {
            return;
        }
        foreach (var e in root.EnumerateArray())
        {
            if (c.Changes.Count >= MaxChanges)
            {
                result.Problem($"{c.Folder}: more than {MaxChanges} changes; the rest are shown as 'written'");
                return;
            }
            if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("Path", out var p) && p.ValueKind == JsonValueKind.String
                && e.TryGetProperty("Kind", out var k) && k.ValueKind == JsonValueKind.Number)
            {
                c.Changes[p.GetString()!] = k.GetInt32() switch { 0 => "changed", 1 => "added", 2 => "deleted", _ => "written" };
            }
        }
    }

    private void OnManifestLine(ManifestLine line)
    {
        if (line.Path is not { } path)
        {
            return;
        }
        if (_wanted.Contains(path))
        {
            _sha256[path] = line.Sha256;
        }
        if ((!path.Contains(Changed, StringComparison.Ordinal) && !path.Contains(Full, StringComparison.Ordinal))
            || Locate(path) is not var (folder, runtime, _) || TreePath(path[(folder.Length + 1)..]) is not var (full, inContainer))
        {
            return;
        }
        var c = Container(folder, runtime);
        var file = new FileChange(inContainer, path) { Kind = line.Kind, Mode = line.Mode, Sha256 = line.Sha256, Size = line.Size, ModifiedTime = line.ModifiedTime };
        file.Change = full ? "present" : line.Kind == "whiteout" ? "deleted" : c.Changes.TryGetValue(inContainer, out var change) ? change : "written";
        if (_contentHits.Remove(path, out var hits))
        {
            foreach (var (id, hit) in hits)
            {
                file.ContentMatches[id] = hit;
            }
        }
        // Of a full tree only what a rule that reads full trees matches: its executables and SUID files are the image's.
        bool interesting = full
            ? rules.Rules.Any(r => r.Rule.Match.Target == "file" && r.AcceptsPresent && FindingsEngine.FileMatches(r, file))
            : line.Kind == "whiteout" || file.Executable || file.SetId || file.ContentMatches.Count > 0
                || (line.Kind is "file" or "symlink" && rules.Rules.Any(r => r.Rule.Match.Target == "file" && r.Paths is not null && r.PathMatches(inContainer)));
        if (!interesting)
        {
            return;
        }
        if (c.Files.Count >= ContainerSummary.MaxFiles)
        {
            c.FilesNotKept++;
            return;
        }
        c.Files.Add(file);
        _sha256[path] = line.Sha256;
    }

    private void Document(EvidenceArchiveReader reader, string name, TriageResult result, Action<JsonElement> use)
    {
        _wanted.Add(name);
        if (MemberText.ReadWhole(reader, MaxDocumentBytes) is not { } bytes)
        {
            result.Problem($"{name}: larger than {MaxDocumentBytes} bytes, not read");
            return;
        }
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            use(doc.RootElement);
        }
        catch (JsonException ex)
        {
            result.Problem($"{name}: not JSON ({ex.Message})");
        }
    }

    private static byte[] Head(EvidenceArchiveReader reader, int max)
    {
        var buffer = new byte[max];
        int length = 0;
        for (int n; length < max && (n = reader.Read(buffer.AsSpan(length))) > 0;)
        {
            length += n;
        }
        return buffer[..length];
    }
}

/// <summary>What the triage pass kept: the acquisition record, seal, containers, findings and what could not be read.</summary>
public sealed class TriageResult
{
    private const int ProblemsKept = 100;

    public AcquisitionRecordDocument? Acquisition { get; set; }
    public Seal? Seal { get; set; }
    public string? ArchiveSha256 { get; set; }
    public List<ContainerSummary> Containers { get; } = [];
    public List<Finding> Findings { get; } = [];

    /// <summary>The log lines around each finding that has them (by reference).</summary>
    public Dictionary<Finding, List<LogExcerpt>> Excerpts { get; set; } = new(ReferenceEqualityComparer.Instance);
    public IReadOnlyDictionary<string, string?> Sha256 { get; set; } = new Dictionary<string, string?>();
    public List<string> Problems { get; } = [];
    public long ProblemCount { get; private set; }

    internal void Problem(string text)
    {
        ProblemCount++;
        if (Problems.Count < ProblemsKept)
        {
            Problems.Add(text);
        }
    }
}
