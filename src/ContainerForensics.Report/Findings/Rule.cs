using YamlDotNet.Serialization;

namespace ContainerForensics.Report.Findings;

/// <summary>The rules file (Findings/rules.yaml): a list of rules.</summary>
public sealed class RuleFile
{
    [YamlMember(Alias = "rules")]
    public List<Rule> Rules { get; set; } = [];
}

/// <summary>One rule as written in YAML: who it is, how bad, and what it matches.</summary>
public sealed class Rule
{
    [YamlMember(Alias = "id")] public string Id { get; set; } = "";
    [YamlMember(Alias = "severity")] public string Severity { get; set; } = "";
    [YamlMember(Alias = "title")] public string Title { get; set; } = "";
    [YamlMember(Alias = "attack")] public string Attack { get; set; } = "";
    [YamlMember(Alias = "match")] public RuleMatch Match { get; set; } = new();
}

/// <summary>
/// What a rule matches: one <see cref="Target"/> and conditions that must all hold. A
/// condition left out does not constrain. Each condition applies to one target only; the
/// loader refuses a rule that gives one to another target.
/// </summary>
public sealed class RuleMatch
{
    /// <summary>process, socket, file, account, container or pod.</summary>
    [YamlMember(Alias = "target")] public string Target { get; set; } = "";

    // process
    [YamlMember(Alias = "exeDeleted")] public bool? ExeDeleted { get; set; }
    [YamlMember(Alias = "exeUnder")] public List<string>? ExeUnder { get; set; }
    [YamlMember(Alias = "exeInWritableLayer")] public bool? ExeInWritableLayer { get; set; }
    [YamlMember(Alias = "masquerade")] public bool? Masquerade { get; set; }
    /// <summary>Executables that are many programs by argv[0] (busybox): not masquerading.</summary>
    [YamlMember(Alias = "multiCall")] public List<string>? MultiCall { get; set; }
    [YamlMember(Alias = "capabilities")] public List<string>? Capabilities { get; set; }

    // socket
    [YamlMember(Alias = "processNames")] public List<string>? ProcessNames { get; set; }
    [YamlMember(Alias = "states")] public List<string>? States { get; set; }

    // file
    /// <summary>added, changed, deleted, written (the writable layer), present (a full tree: not a diff).</summary>
    [YamlMember(Alias = "change")] public List<string>? Change { get; set; }
    [YamlMember(Alias = "executable")] public bool? Executable { get; set; }
    [YamlMember(Alias = "setId")] public bool? SetId { get; set; }
    /// <summary>Globs over the in-container path: <c>*</c> within a segment, <c>**</c> across.</summary>
    [YamlMember(Alias = "paths")] public List<string>? Paths { get; set; }
    /// <summary>Globs over the file's name alone.</summary>
    [YamlMember(Alias = "names")] public List<string>? Names { get; set; }
    /// <summary>A .NET regular expression the file's first MiB must match (the file's bytes are read as the archive passes).</summary>
    [YamlMember(Alias = "content")] public string? Content { get; set; }

    // account
    [YamlMember(Alias = "uid0")] public bool? Uid0 { get; set; }
    [YamlMember(Alias = "emptyPassword")] public bool? EmptyPassword { get; set; }
    /// <summary>false: only accounts of a writable layer's passwd/shadow; true: only a full tree's; left out: both.</summary>
    [YamlMember(Alias = "fullTree")] public bool? FullTree { get; set; }

    // container
    [YamlMember(Alias = "privileged")] public bool? Privileged { get; set; }
    [YamlMember(Alias = "mountsAny")] public List<string>? MountsAny { get; set; }
    [YamlMember(Alias = "hostNamespaces")] public bool? HostNamespaces { get; set; }
    [YamlMember(Alias = "securityOff")] public bool? SecurityOff { get; set; }
    [YamlMember(Alias = "capAdd")] public List<string>? CapAdd { get; set; }
    [YamlMember(Alias = "runsAsRoot")] public bool? RunsAsRoot { get; set; }
    /// <summary>The OCI spec has no seccomp profile (a default of ctr and of kubelets without SeccompDefault, unlike an explicit unconfined).</summary>
    [YamlMember(Alias = "seccompAbsent")] public bool? SeccompAbsent { get; set; }

    // pod (a Kubernetes pod from the API server)
    /// <summary>The pod's service account is bound to cluster-admin (or a role allowing every verb on every resource).</summary>
    [YamlMember(Alias = "clusterAdmin")] public bool? ClusterAdmin { get; set; }
    [YamlMember(Alias = "hostPath")] public bool? HostPath { get; set; }
    /// <summary>A Secret is mounted as files (a secret volume or a projected volume's secret source).</summary>
    [YamlMember(Alias = "secretsMounted")] public bool? SecretsMounted { get; set; }
}
