namespace ContainerForensics.Core.Collection;

/// <summary>
/// The field names of acquisition/acquisition.json (docs/evidence-format.md, "The acquisition
/// record"): the one place that names them, for <see cref="AcquisitionRecord"/>, which writes
/// the record, and the archive reader (ContainerForensics.Evidence), which reads it back.
/// </summary>
public static class AcquisitionFields
{
    public const string Format = "format";
    public const string Tool = "tool";
    public const string CommandLine = "commandLine";
    public const string Examiner = "examiner";
    public const string Case = "case";
    public const string Note = "note";
    public const string StartedAt = "startedAt";
    public const string Output = "output";
    public const string Archive = "archive";
    public const string Host = "host";
    public const string Clock = "clock";
    public const string Runtimes = "runtimes";
    public const string Nested = "nested";
    public const string Options = "options";
    public const string Source = "source";
    public const string Trigger = "trigger";
    public const string Sealing = "sealing";

    /// <summary>Inside <see cref="Sealing"/>: the key that signs the seal (SEAL.sig) and whom the archive is encrypted to.</summary>
    public static class InSealing
    {
        public const string SigningKey = "signingKey";
        public const string Fingerprint = "fingerprint";
        public const string Type = "type";
        public const string Comment = "comment";
        public const string Via = "via";
        public const string Encryption = "encryption";
        public const string EncryptedTo = "encryptedTo";
    }

    /// <summary>Inside <see cref="Source"/>: where the evidence came from, live daemons or a disk image (<c>--root</c>).</summary>
    public static class InSource
    {
        public const string Kind = "kind";
        public const string Live = "live";
        public const string DiskImage = "diskImage";
        public const string Root = "root";
        public const string ResolvedRoot = "resolvedRoot";
        public const string Mount = "mount";
        public const string MountProblem = "mountProblem";
        public const string ReadWrite = "mountedReadWrite";
        public const string Device = "device";
        public const string MountSource = "source";
        public const string FsType = "fsType";
        public const string MountPoint = "mountPoint";
        public const string MountOptions = "options";
        public const string SuperOptions = "superOptions";
        public const string Image = "image";
    }

    /// <summary>Inside <see cref="Archive"/>: the format the archive was written in and its compression level.</summary>
    public static class InArchive
    {
        public const string Format = "format";
        public const string CompressionLevel = "compressionLevel";
    }

    /// <summary>Inside <see cref="Tool"/>.</summary>
    public static class InTool
    {
        public const string Name = "name";
        public const string Version = "version";
        public const string Commit = "commit";
        public const string Runtime = "runtime";
    }

    /// <summary>Inside <see cref="Host"/>.</summary>
    public static class InHost
    {
        public const string Hostname = "hostname";
        public const string KernelRelease = "kernelRelease";
        public const string KernelVersion = "kernelVersion";
        public const string Architecture = "architecture";
        public const string Os = "os";
        public const string BootId = "bootId";
        public const string MachineId = "machineId";
    }

    /// <summary>Inside <see cref="Clock"/>.</summary>
    public static class InClock
    {
        public const string Realtime = "realtime";
        public const string MonotonicTimestamp = "monotonicTimestamp";
        public const string MonotonicFrequency = "monotonicFrequency";
        public const string UptimeSeconds = "uptimeSeconds";
        public const string NtpSynchronized = "ntpSynchronized";
        public const string EstimatedErrorMicroseconds = "estimatedErrorMicroseconds";
        public const string ClockSource = "clocksource";
        public const string Timezone = "timezone";
    }

    /// <summary>
    /// Inside each element of <see cref="Runtimes"/>. A runtime that answered also carries its
    /// descriptor's details, each a string field under its own name.
    /// </summary>
    public static class InRuntime
    {
        public const string Name = "name";
        public const string Endpoint = "endpoint";
        public const string Answered = "answered";
        public const string Version = "version";
        public const string ApiVersion = "apiVersion";
        public const string Locality = "locality";
        public const string LocalityWhy = "localityWhy";
        public const string Reason = "reason";

        /// <summary>A runtime found inside a container: the chain of containers (<see cref="Nesting.NestingFields"/>).</summary>
        public const string NestedIn = Nesting.NestingFields.NestedIn;
    }

    /// <summary>
    /// Inside <see cref="Nested"/>: how deep runtimes nested in containers were looked for, and
    /// each runtime's descent (<see cref="Nesting.NestingFields.InDescent"/>).
    /// </summary>
    public static class InNested
    {
        public const string Depth = "depth";
        public const string Descents = "descents";
    }

    /// <summary>Inside <see cref="Options"/>.</summary>
    public static class InOptions
    {
        public const string Filesystem = "filesystem";
        public const string MaxFileSize = "maxFileSize";
        public const string Oversize = "oversize";
        public const string LogsSince = "logsSince";
        public const string EventsSince = "eventsSince";
        public const string Volumes = "volumes";
        public const string Memory = "memory";
        public const string MemoryMaxBytes = "memoryMaxBytes";
        public const string RunningOnly = "runningOnly";
        public const string Containers = "containers";
        public const string Labels = "labels";
        public const string NestedDepth = "nestedDepth";
    }

    /// <summary>Inside <see cref="Trigger"/>: the event a watch collected this archive for, and the watch.</summary>
    public static class InTrigger
    {
        public const string Kind = "kind";
        public const string Seq = "seq";
        public const string Runtime = "runtime";
        public const string Endpoint = "endpoint";
        public const string ContainerId = "containerId";
        public const string ContainerName = "containerName";
        public const string Action = "action";
        public const string EventTime = "eventTime";
        public const string ReceivedAt = "receivedAt";
        public const string EventFormat = "eventFormat";
        public const string EventSha256 = "eventSha256";
        public const string EventEntry = "eventEntry";
        public const string Watch = "watch";
        public const string WatchId = "id";
        public const string WatchStartedAt = "startedAt";
        public const string WatchIndex = "index";
        public const string Earlier = "earlier";
        public const string Archive = "archive";
    }
}
