using System.Runtime.CompilerServices;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.Logs;

/// <summary>
/// Reads the CRI container log format the kubelet and containerd's CRI plugin share
/// (kubernetes/design-proposals "CRI: container logging"; containerd pkg/cri/io/logger.go):
/// one line per write, <c>&lt;RFC3339Nano time&gt; &lt;stdout|stderr&gt; &lt;tag&gt; &lt;content&gt;\n</c>,
/// where the tag (":"-separated, the first one counts) is <c>F</c> for a full line or <c>P</c>
/// for a part of a longer one (containerd splits lines at <c>max_container_log_line_size</c>,
/// 16 KiB by default). Parts are joined per stream until the F part; stdout and stderr parts
/// may interleave.
/// <para>
/// Hostile input is data: a line that does not fit the format is counted and its number kept
/// (<see cref="CriLogFileReport"/>), never an exception. Memory stays bounded: a physical line
/// longer than <see cref="MaxLineBytes"/> is malformed and skipped, and a joined line is
/// emitted in pieces of at most <see cref="MaxJoinedBytes"/> (<see cref="CriLogRecord.Continues"/>).
/// Pending parts carry over from one file to the next (a rotation can fall between parts);
/// <see cref="Flush"/> ends them.
/// </para>
/// </summary>
public sealed class CriLogParser(int maxLineBytes = CriLogParser.DefaultMaxLineBytes, int maxJoinedBytes = CriLogParser.DefaultMaxJoinedBytes)
{
    public const int DefaultMaxLineBytes = 1 << 20;

    public const int DefaultMaxJoinedBytes = 8 << 20;

    private readonly Pending _stdout = new("stdout");
    private readonly Pending _stderr = new("stderr");

    public int MaxLineBytes { get; } = maxLineBytes;

    public int MaxJoinedBytes { get; } = maxJoinedBytes;

    /// <summary>The joined lines of one file, in file order of their last part.</summary>
    public async IAsyncEnumerable<CriLogRecord> ParseAsync(Stream input, CriLogFileReport report, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(report);
        var buffer = new byte[64 * 1024];
        var line = new LineBuffer(MaxLineBytes);
        var ready = new List<CriLogRecord>();
        while (true)
        {
            int n = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            report.Bytes += n;
            var chunk = buffer.AsMemory(0, n);
            while (!chunk.IsEmpty)
            {
                int newline = chunk.Span.IndexOf((byte)'\n');
                if (newline < 0)
                {
                    line.Append(chunk.Span);
                    break;
                }
                line.Append(chunk.Span[..newline]);
                chunk = chunk[(newline + 1)..];
                report.Lines++;
                Line(line, report, ready);
                line.Clear();
                foreach (var record in ready)
                {
                    yield return record;
                }
                ready.Clear();
            }
        }
        if (line.Length > 0 || line.Overflowed)
        {
            report.Lines++;
            report.UnterminatedLastLine = true;
            Line(line, report, ready);
            foreach (var record in ready)
            {
                yield return record;
            }
        }
    }

    /// <summary>Parts still waiting for their F part when the input ended: each becomes an incomplete record.</summary>
    public IEnumerable<CriLogRecord> Flush()
    {
        foreach (var pending in new[] { _stdout, _stderr })
        {
            if (pending.Parts > 0)
            {
                yield return pending.Take(complete: false, continues: false);
            }
        }
    }

    /// <summary>Parses one physical line; a finished line (or a full piece of a long one) goes to <paramref name="output"/>.</summary>
    private void Line(LineBuffer line, CriLogFileReport report, List<CriLogRecord> output)
    {
        long number = report.Lines;
        if (line.Overflowed)
        {
            report.AddMalformed(number, $"line longer than {MaxLineBytes} bytes");
            return;
        }
        var span = line.Span;
        int s1 = span.IndexOf((byte)' ');
        if (s1 < 0 || !CriTimestamp.TryParse(span[..s1], out UnixTime time))
        {
            report.AddMalformed(number, "no RFC 3339 timestamp");
            return;
        }
        var rest = span[(s1 + 1)..];
        int s2 = rest.IndexOf((byte)' ');
        Pending? stream = s2 < 0 ? null : rest[..s2].SequenceEqual("stdout"u8) ? _stdout : rest[..s2].SequenceEqual("stderr"u8) ? _stderr : null;
        if (stream is null)
        {
            report.AddMalformed(number, "stream is neither stdout nor stderr");
            return;
        }
        rest = rest[(s2 + 1)..];
        int s3 = rest.IndexOf((byte)' ');
        var tags = s3 < 0 ? rest : rest[..s3];
        var content = s3 < 0 ? ReadOnlySpan<byte>.Empty : rest[(s3 + 1)..];
        int colon = tags.IndexOf((byte)':');
        var first = colon < 0 ? tags : tags[..colon];
        bool partial;
        if (first.SequenceEqual("P"u8))
        {
            partial = true;
        }
        else if (first.SequenceEqual("F"u8))
        {
            partial = false;
        }
        else
        {
            report.AddMalformed(number, "tag is neither P nor F");
            return;
        }

        if (stream.Parts == 0)
        {
            stream.Start(System.Text.Encoding.ASCII.GetString(span[..s1]), time, report.File, number);
        }
        // Keep the joined line bounded: what does not fit goes out first, and the rest continues it.
        while (stream.Length + content.Length > MaxJoinedBytes)
        {
            int room = MaxJoinedBytes - stream.Length;
            stream.Append(content[..room]);
            content = content[room..];
            var full = stream.Take(complete: true, continues: true);
            report.Records++;
            output.Add(full);
            stream.Start(full.TimeAsWritten, time, report.File, number);
        }
        stream.Append(content);
        stream.Parts++;
        if (partial)
        {
            report.PartialParts++;
            return;
        }
        report.Records++;
        output.Add(stream.Take(complete: true, continues: false));
    }

    /// <summary>A stream's parts waiting for their F part.</summary>
    private sealed class Pending(string name)
    {
        private readonly MemoryStream _content = new();
        private string _timeAsWritten = "";
        private UnixTime _time;
        private string _file = "";
        private long _line;

        public int Parts { get; set; }

        public int Length => (int)_content.Length;

        public void Start(string timeAsWritten, UnixTime time, string file, long line)
        {
            _timeAsWritten = timeAsWritten;
            _time = time;
            _file = file;
            _line = line;
        }

        public void Append(ReadOnlySpan<byte> content) => _content.Write(content);

        public CriLogRecord Take(bool complete, bool continues)
        {
            var record = new CriLogRecord
            {
                TimeAsWritten = _timeAsWritten,
                Time = _time.ToIso8601(),
                Stream = name,
                Content = _content.ToArray(),
                Parts = Math.Max(Parts, 1),
                File = _file,
                Line = _line,
                Complete = complete,
                Continues = continues,
            };
            _content.SetLength(0);
            Parts = 0;
            return record;
        }
    }

    /// <summary>One physical line, up to a cap; past it only the fact that it overflowed is kept.</summary>
    private sealed class LineBuffer(int max)
    {
        private byte[] _bytes = new byte[4096];

        public int Length { get; private set; }

        public bool Overflowed { get; private set; }

        public ReadOnlySpan<byte> Span => _bytes.AsSpan(0, Length);

        public void Append(ReadOnlySpan<byte> data)
        {
            if (Overflowed)
            {
                return;
            }
            if (Length + data.Length > max)
            {
                Overflowed = true;
                return;
            }
            if (Length + data.Length > _bytes.Length)
            {
                Array.Resize(ref _bytes, Math.Min(max, Math.Max(_bytes.Length * 2, Length + data.Length)));
            }
            data.CopyTo(_bytes.AsSpan(Length));
            Length += data.Length;
        }

        public void Clear()
        {
            Length = 0;
            Overflowed = false;
        }
    }
}
