using System.Diagnostics;
using System.Text.Json;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Host;

namespace ContainerForensics.Core.Collection;

/// <summary>
/// The first entry of every archive (acquisition/acquisition.json): tool, command line, host,
/// examiner and case, the start time with nanoseconds, the clock's state, and every runtime
/// endpoint tried with what it answered.
/// </summary>
public static class AcquisitionRecord
{
    public static byte[] Build(AcquisitionInfo info, HostFacts host, DiscoveryResult discovery, CollectionOptions options, UnixTime startedAt, TimeProvider clock)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", info.FormatVersion);
            json.WriteStartObject("tool");
            json.WriteString("name", info.ToolName);
            json.WriteString("version", info.ToolVersion);
            json.WriteString("commit", info.ToolCommit);
            json.WriteString("runtime", System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
            json.WriteEndObject();
            json.WriteStartArray("commandLine");
            foreach (var arg in info.CommandLine)
            {
                json.WriteStringValue(arg);
            }
            json.WriteEndArray();
            json.WriteString("examiner", info.Examiner);
            json.WriteString("case", info.Case);
            json.WriteString("note", info.Note);
            json.WriteString("startedAt", startedAt.ToIso8601());
            json.WriteString("output", info.OutputDescription);

            json.WriteStartObject("host");
            json.WriteString("hostname", host.Hostname);
            json.WriteString("kernelRelease", host.KernelRelease);
            json.WriteString("kernelVersion", host.KernelVersion);
            json.WriteString("architecture", host.Architecture);
            json.WriteString("os", host.OsPrettyName);
            json.WriteString("bootId", host.BootId);
            json.WriteString("machineId", host.MachineId);
            json.WriteEndObject();

            json.WriteStartObject("clock");
            json.WriteString("realtime", clock.GetUnixTime().ToIso8601());
            json.WriteNumber("monotonicTimestamp", Stopwatch.GetTimestamp());
            json.WriteNumber("monotonicFrequency", Stopwatch.Frequency);
            if (host.UptimeSeconds is { } up)
            {
                json.WriteNumber("uptimeSeconds", up);
            }
            if (host.ClockSynchronized is { } synced)
            {
                json.WriteBoolean("ntpSynchronized", synced);
            }
            else
            {
                json.WriteNull("ntpSynchronized");
            }
            if (host.ClockEstimatedErrorMicroseconds is { } err)
            {
                json.WriteNumber("estimatedErrorMicroseconds", err);
            }
            json.WriteString("clocksource", host.ClockSource);
            json.WriteString("timezone", "UTC (all times in this archive are UTC)");
            json.WriteEndObject();

            json.WriteStartArray("runtimes");
            foreach (var probe in discovery.Probes)
            {
                json.WriteStartObject();
                json.WriteString("name", probe.Name);
                json.WriteString("endpoint", probe.Endpoint);
                json.WriteBoolean("answered", probe.Runtime is not null);
                if (probe.Runtime?.Descriptor is { } d)
                {
                    json.WriteString("version", d.Version);
                    json.WriteString("apiVersion", d.ApiVersion);
                    json.WriteString("locality", d.Locality.Kind.ToString().ToLowerInvariant());
                    json.WriteString("localityWhy", d.Locality.Why);
                    foreach (var (k, v) in d.Details)
                    {
                        json.WriteString(k, v);
                    }
                }
                else
                {
                    json.WriteString("reason", probe.Reason);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();

            json.WriteStartObject("options");
            json.WriteString("filesystem", options.Filesystem.ToString().ToLowerInvariant());
            if (options.MaxFileSize is { } max)
            {
                json.WriteNumber("maxFileSize", max);
            }
            json.WriteString("oversize", options.Oversize.ToString().ToLowerInvariant());
            json.WriteString("logsSince", options.LogsSince?.ToString("O"));
            json.WriteString("eventsSince", options.EventsSince?.ToString("O"));
            json.WriteBoolean("volumes", options.Volumes);
            json.WriteBoolean("memory", options.Memory);
            if (options.MemoryMaxBytes is { } memMax)
            {
                json.WriteNumber("memoryMaxBytes", memMax);
            }
            json.WriteBoolean("runningOnly", options.Selector.RunningOnly);
            json.WriteStartArray("containers");
            foreach (var n in options.Selector.Names)
            {
                json.WriteStringValue(n);
            }
            json.WriteEndArray();
            json.WriteStartArray("labels");
            foreach (var (k, v) in options.Selector.Labels)
            {
                json.WriteStringValue(v is null ? k : $"{k}={v}");
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
