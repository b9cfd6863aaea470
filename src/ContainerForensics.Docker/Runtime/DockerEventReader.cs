using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Runtime;

/// <summary>
/// The events stream of a Docker-compatible daemon (one JSON object a line,
/// https://docs.docker.com/reference/api/engine/version/v1.41/#tag/System/operation/SystemEvents)
/// read into <see cref="ContainerEvent"/>s: <c>Type</c> container, <c>Action</c>, <c>Actor.ID</c>,
/// <c>Actor.Attributes</c>, and <c>timeNano</c> (else <c>time</c> in seconds). Lines are bounded:
/// a daemon that sends a line past <see cref="MaxLine"/> or one that is not JSON breaks the
/// stream with <see cref="DockerProtocolException"/>, never grows memory.
/// </summary>
internal static class DockerEventReader
{
    internal const int MaxLine = 1 << 20;

    public static async IAsyncEnumerable<ContainerEvent> ReadAsync(Stream stream, string runtime, string endpoint, string call,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var chunk = new byte[1 << 16];
        var line = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            int got = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
            if (got == 0)
            {
                yield break; // the daemon ended the stream (it stopped); the caller may reconnect
            }
            var rest = chunk.AsMemory(0, got);
            while (!rest.IsEmpty)
            {
                int newline = rest.Span.IndexOf((byte)'\n');
                var piece = newline < 0 ? rest : rest[..newline];
                if (line.WrittenCount + piece.Length > MaxLine)
                {
                    throw new DockerProtocolException(endpoint, call, $"an event line longer than {MaxLine} bytes");
                }
                line.Write(piece.Span);
                if (newline < 0)
                {
                    break;
                }
                rest = rest[(newline + 1)..];
                if (line.WrittenCount > 0 && Parse(line.WrittenMemory, runtime, endpoint, call) is { } parsed)
                {
                    yield return parsed;
                }
                line.Clear();
            }
        }
    }

    private static ContainerEvent? Parse(ReadOnlyMemory<byte> bytes, string runtime, string endpoint, string call)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes);
        }
        catch (JsonException ex)
        {
            throw new DockerProtocolException(endpoint, call, "an event line that is not JSON", ex);
        }
        using (doc)
        {
            var e = doc.RootElement;
            if (e.ValueKind != JsonValueKind.Object || Text(e, "Type") != "container" ||
                !e.TryGetProperty("Actor", out var actor) || actor.ValueKind != JsonValueKind.Object || Text(actor, "ID") is not { Length: > 0 } id)
            {
                return null;
            }
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            if (actor.TryGetProperty("Attributes", out var attrs) && attrs.ValueKind == JsonValueKind.Object)
            {
                foreach (var a in attrs.EnumerateObject().Where(a => a.Value.ValueKind == JsonValueKind.String))
                {
                    attributes[a.Name] = a.Value.GetString()!;
                }
            }
            var time = e.TryGetProperty("timeNano", out var nano) && nano.TryGetInt64(out long ns)
                ? new UnixTime(Math.DivRem(ns, 1_000_000_000, out long frac), (uint)frac)
                : new UnixTime(e.TryGetProperty("time", out var sec) && sec.TryGetInt64(out long s) ? s : 0, 0);
            return new ContainerEvent(runtime, id, Text(e, "Action") ?? Text(e, "status") ?? "", time)
            {
                Name = attributes.GetValueOrDefault("name"),
                Attributes = attributes,
                Raw = bytes.ToArray(),
            };
        }
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
