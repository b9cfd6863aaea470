using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Collection.Nesting;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Host;

namespace ContainerForensics.Core.Collection;

/// <summary>
/// acquisition/acquisition.json, written once discovery is complete (after the volatile state):
/// tool, command line, host, examiner and case, the start time with nanoseconds, the clock's
/// state, every runtime endpoint tried with what it answered, and every look inside a container
/// for nested runtimes.
/// </summary>
public static class AcquisitionRecord
{
    /// <summary>The record with the clock read now.</summary>
    public static byte[] Build(AcquisitionInfo info, HostFacts host, DiscoveryResult discovery, CollectionOptions options, UnixTime startedAt, TimeProvider clock,
        AcquisitionTrigger? trigger = null) =>
        Build(info, host, discovery, options, startedAt, ClockReading.Now(clock), trigger);

    /// <param name="clockAt">
    /// The realtime clock and the monotonic one read together when the acquisition began, beside
    /// the host facts read then (uptime): the record is written later, and a pair read then would
    /// no longer sit beside them.
    /// </param>
    /// <param name="trigger">What set the acquisition off (watch mode); null for a collection run by hand.</param>
    public static byte[] Build(AcquisitionInfo info, HostFacts host, DiscoveryResult discovery, CollectionOptions options, UnixTime startedAt, ClockReading clockAt,
        AcquisitionTrigger? trigger = null)
    {
        ArgumentNullException.ThrowIfNull(clockAt);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, EvidenceJsonOptions.Indented))
        {
            json.WriteStartObject();
            json.WriteString(AcquisitionFields.Format, info.FormatVersion);
            json.WriteStartObject(AcquisitionFields.Tool);
            json.WriteString(AcquisitionFields.InTool.Name, info.ToolName);
            json.WriteString(AcquisitionFields.InTool.Version, info.ToolVersion);
            json.WriteString(AcquisitionFields.InTool.Commit, info.ToolCommit);
            json.WriteString(AcquisitionFields.InTool.Runtime, System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
            json.WriteEndObject();
            json.WriteStartArray(AcquisitionFields.CommandLine);
            foreach (var arg in info.CommandLine)
            {
                json.WriteStringValue(arg);
            }
            json.WriteEndArray();
            json.WriteString(AcquisitionFields.Examiner, info.Examiner);
            json.WriteString(AcquisitionFields.Case, info.Case);
            json.WriteString(AcquisitionFields.Note, info.Note);
            json.WriteString(AcquisitionFields.StartedAt, startedAt.ToIso8601());
            json.WriteString(AcquisitionFields.Output, info.OutputDescription);
            if (info.ArchiveFormat is { } archiveFormat)
            {
                json.WriteStartObject(AcquisitionFields.Archive);
                json.WriteString(AcquisitionFields.InArchive.Format, archiveFormat);
                if (info.CompressionLevel is { } level)
                {
                    json.WriteNumber(AcquisitionFields.InArchive.CompressionLevel, level);
                }
                else
                {
                    json.WriteNull(AcquisitionFields.InArchive.CompressionLevel);
                }
                json.WriteEndObject();
            }
            WriteSealing(json, info.Sealing);

            json.WriteStartObject(AcquisitionFields.Host);
            json.WriteString(AcquisitionFields.InHost.Hostname, host.Hostname);
            json.WriteString(AcquisitionFields.InHost.KernelRelease, host.KernelRelease);
            json.WriteString(AcquisitionFields.InHost.KernelVersion, host.KernelVersion);
            json.WriteString(AcquisitionFields.InHost.Architecture, host.Architecture);
            json.WriteString(AcquisitionFields.InHost.Os, host.OsPrettyName);
            json.WriteString(AcquisitionFields.InHost.BootId, host.BootId);
            json.WriteString(AcquisitionFields.InHost.MachineId, host.MachineId);
            json.WriteEndObject();

            json.WriteStartObject(AcquisitionFields.Clock);
            json.WriteString(AcquisitionFields.InClock.Realtime, clockAt.Realtime.ToIso8601());
            json.WriteNumber(AcquisitionFields.InClock.MonotonicTimestamp, clockAt.MonotonicTimestamp);
            json.WriteNumber(AcquisitionFields.InClock.MonotonicFrequency, Stopwatch.Frequency);
            if (host.UptimeSeconds is { } up)
            {
                json.WriteNumber(AcquisitionFields.InClock.UptimeSeconds, up);
            }
            if (host.ClockSynchronized is { } synced)
            {
                json.WriteBoolean(AcquisitionFields.InClock.NtpSynchronized, synced);
            }
            else
            {
                json.WriteNull(AcquisitionFields.InClock.NtpSynchronized);
            }
            if (host.ClockEstimatedErrorMicroseconds is { } err)
            {
                json.WriteNumber(AcquisitionFields.InClock.EstimatedErrorMicroseconds, err);
            }
            json.WriteString(AcquisitionFields.InClock.ClockSource, host.ClockSource);
            json.WriteString(AcquisitionFields.InClock.Timezone, "UTC (all times in this archive are UTC)");
            json.WriteEndObject();

            WriteSource(json, discovery.DiskImage);
            if (trigger is not null)
            {
                WriteTrigger(json, trigger);
            }

            json.WriteStartArray(AcquisitionFields.Runtimes);
            foreach (var probe in discovery.Probes)
            {
                json.WriteStartObject();
                json.WriteString(AcquisitionFields.InRuntime.Name, probe.Name);
                json.WriteString(AcquisitionFields.InRuntime.Endpoint, probe.Endpoint);
                json.WriteBoolean(AcquisitionFields.InRuntime.Answered, probe.Runtime is not null);
                NestingJson.WriteChain(json, probe.Runtime?.Descriptor.Nesting ?? probe.Nesting);
                if (probe.Runtime?.Descriptor is { } d)
                {
                    json.WriteString(AcquisitionFields.InRuntime.Version, d.Version);
                    json.WriteString(AcquisitionFields.InRuntime.ApiVersion, d.ApiVersion);
                    json.WriteString(AcquisitionFields.InRuntime.Locality, d.Locality.Kind.ToString().ToLowerInvariant());
                    json.WriteString(AcquisitionFields.InRuntime.LocalityWhy, d.Locality.Why);
                    foreach (var (k, v) in d.Details)
                    {
                        json.WriteString(k, v);
                    }
                }
                else
                {
                    json.WriteString(AcquisitionFields.InRuntime.Reason, probe.Reason);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();

            json.WriteStartObject(AcquisitionFields.Nested);
            json.WriteNumber(AcquisitionFields.InNested.Depth, discovery.NestedDepth);
            json.WriteStartArray(AcquisitionFields.InNested.Descents);
            foreach (var descent in discovery.Descents)
            {
                NestingJson.WriteDescent(json, descent);
            }
            json.WriteEndArray();
            json.WriteEndObject();

            json.WriteStartObject(AcquisitionFields.Options);
            json.WriteString(AcquisitionFields.InOptions.Filesystem, options.Filesystem.ToString().ToLowerInvariant());
            if (options.MaxFileSize is { } max)
            {
                json.WriteNumber(AcquisitionFields.InOptions.MaxFileSize, max);
            }
            json.WriteString(AcquisitionFields.InOptions.Oversize, options.Oversize.ToString().ToLowerInvariant());
            json.WriteString(AcquisitionFields.InOptions.LogsSince, options.LogsSince?.ToString("O"));
            json.WriteString(AcquisitionFields.InOptions.EventsSince, options.EventsSince?.ToString("O"));
            json.WriteBoolean(AcquisitionFields.InOptions.Volumes, options.Volumes);
            json.WriteBoolean(AcquisitionFields.InOptions.Memory, options.Memory);
            if (options.MemoryMaxBytes is { } memMax)
            {
                json.WriteNumber(AcquisitionFields.InOptions.MemoryMaxBytes, memMax);
            }
            json.WriteBoolean(AcquisitionFields.InOptions.RunningOnly, options.Selector.RunningOnly);
            json.WriteStartArray(AcquisitionFields.InOptions.Containers);
            foreach (var n in options.Selector.Names)
            {
                json.WriteStringValue(n);
            }
            json.WriteEndArray();
            json.WriteStartArray(AcquisitionFields.InOptions.Labels);
            foreach (var (k, v) in options.Selector.Labels)
            {
                json.WriteStringValue(v is null ? k : $"{k}={v}");
            }
            json.WriteEndArray();
            json.WriteNumber(AcquisitionFields.InOptions.NestedDepth, discovery.NestedDepth);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The event a watch collected this archive for, the watch, and its earlier archives of the same container.</summary>
    private static void WriteTrigger(Utf8JsonWriter json, AcquisitionTrigger trigger)
    {
        json.WriteStartObject(AcquisitionFields.Trigger);
        json.WriteString(AcquisitionFields.InTrigger.Kind, trigger.Kind);
        json.WriteNumber(AcquisitionFields.InTrigger.Seq, trigger.Seq);
        json.WriteString(AcquisitionFields.InTrigger.Runtime, trigger.Runtime);
        json.WriteString(AcquisitionFields.InTrigger.Endpoint, trigger.Endpoint);
        json.WriteString(AcquisitionFields.InTrigger.ContainerId, trigger.ContainerId);
        json.WriteString(AcquisitionFields.InTrigger.ContainerName, trigger.Event.Name);
        json.WriteString(AcquisitionFields.InTrigger.Action, trigger.Event.Action);
        json.WriteString(AcquisitionFields.InTrigger.EventTime, trigger.Event.Time.ToIso8601());
        json.WriteString(AcquisitionFields.InTrigger.ReceivedAt, trigger.ReceivedAt.ToIso8601());
        json.WriteString(AcquisitionFields.InTrigger.EventFormat, trigger.EventFormat);
        json.WriteString(AcquisitionFields.InTrigger.EventSha256, trigger.EventSha256);
        json.WriteString(AcquisitionFields.InTrigger.EventEntry, trigger.EventEntry.Value);
        json.WriteStartObject(AcquisitionFields.InTrigger.Watch);
        json.WriteString(AcquisitionFields.InTrigger.WatchId, trigger.WatchId);
        json.WriteString(AcquisitionFields.InTrigger.WatchStartedAt, trigger.WatchStartedAt.ToIso8601());
        json.WriteString(AcquisitionFields.InTrigger.WatchIndex, trigger.WatchIndex);
        json.WriteEndObject();
        json.WriteStartArray(AcquisitionFields.InTrigger.Earlier);
        foreach (var earlier in trigger.Earlier)
        {
            json.WriteStartObject();
            json.WriteNumber(AcquisitionFields.InTrigger.Seq, earlier.Seq);
            json.WriteString(AcquisitionFields.InTrigger.Kind, earlier.Kind);
            json.WriteString(AcquisitionFields.InTrigger.Archive, earlier.Archive);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>The key that signs the seal (its fingerprint; the key never enters the archive) and whom the archive is encrypted to.</summary>
    private static void WriteSealing(Utf8JsonWriter json, SealingInfo sealing)
    {
        json.WriteStartObject(AcquisitionFields.Sealing);
        if (sealing.SigningKeyFingerprint is { } fingerprint)
        {
            json.WriteStartObject(AcquisitionFields.InSealing.SigningKey);
            json.WriteString(AcquisitionFields.InSealing.Fingerprint, fingerprint);
            json.WriteString(AcquisitionFields.InSealing.Type, sealing.SigningKeyType);
            json.WriteString(AcquisitionFields.InSealing.Comment, sealing.SigningKeyComment);
            json.WriteString(AcquisitionFields.InSealing.Via, sealing.SigningKeySource);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull(AcquisitionFields.InSealing.SigningKey);
        }
        json.WriteString(AcquisitionFields.InSealing.Encryption, sealing.Encryption);
        json.WriteStartArray(AcquisitionFields.InSealing.EncryptedTo);
        foreach (string recipient in sealing.EncryptedTo ?? [])
        {
            json.WriteStringValue(recipient);
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>
    /// Live, or the disk image read dead-box: its root, the mount it lies on (a read-write
    /// mount of evidence is said here and warned about), and who the imaged machine said it was.
    /// </summary>
    private static void WriteSource(Utf8JsonWriter json, DiskImage? image)
    {
        json.WriteStartObject(AcquisitionFields.Source);
        if (image is null)
        {
            json.WriteString(AcquisitionFields.InSource.Kind, AcquisitionFields.InSource.Live);
            json.WriteEndObject();
            return;
        }
        json.WriteString(AcquisitionFields.InSource.Kind, AcquisitionFields.InSource.DiskImage);
        json.WriteString(AcquisitionFields.InSource.Root, image.Root);
        json.WriteString(AcquisitionFields.InSource.ResolvedRoot, image.ResolvedRoot);
        if (image.Mount is { } m)
        {
            json.WriteStartObject(AcquisitionFields.InSource.Mount);
            json.WriteString(AcquisitionFields.InSource.Device, $"{m.Major}:{m.Minor}");
            json.WriteString(AcquisitionFields.InSource.MountSource, Encoding.UTF8.GetString(m.Source));
            json.WriteString(AcquisitionFields.InSource.FsType, Encoding.UTF8.GetString(m.FsType));
            json.WriteString(AcquisitionFields.InSource.MountPoint, Encoding.UTF8.GetString(m.MountPoint));
            json.WriteString(AcquisitionFields.InSource.MountOptions, Encoding.UTF8.GetString(m.MountOptions));
            json.WriteString(AcquisitionFields.InSource.SuperOptions, Encoding.UTF8.GetString(m.SuperOptions));
            json.WriteEndObject();
            json.WriteBoolean(AcquisitionFields.InSource.ReadWrite, image.MountedReadWrite);
        }
        else
        {
            json.WriteString(AcquisitionFields.InSource.MountProblem, image.MountProblem);
        }
        json.WriteStartObject(AcquisitionFields.InSource.Image);
        json.WriteString(AcquisitionFields.InHost.Hostname, image.Facts.Hostname);
        json.WriteString(AcquisitionFields.InHost.MachineId, image.Facts.MachineId);
        json.WriteString(AcquisitionFields.InHost.Os, image.Facts.OsPrettyName);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
