namespace ContainerForensics.HostEvidence.Processes;

/// <summary>A process found to belong to the container; nested when it lives in a PID namespace below the container's.</summary>
internal readonly record struct ProcessMember(int Pid, bool NestedPidNamespace);
