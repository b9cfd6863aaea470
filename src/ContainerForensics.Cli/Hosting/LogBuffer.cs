using System.Text;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Cli.Hosting;

/// <summary>
/// The acquisition log's lines in memory, in 64 KiB chunks up to a cap. A line that does not
/// fit is dropped whole and counted, so the log in the archive is whole lines and says how
/// many it lacks.
/// </summary>
internal sealed class LogBuffer(int maxBytes)
{
    private const int ChunkSize = 1 << 16;

    private readonly List<byte[]> _chunks = [];
    private readonly Lock _lock = new();
    private long _length;
    private long _dropped;

    public void Append(string line)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(line);
        lock (_lock)
        {
            if (_length + bytes.Length > maxBytes)
            {
                _dropped++;
                return;
            }
            var rest = bytes.AsSpan();
            while (!rest.IsEmpty)
            {
                int used = (int)(_length % ChunkSize);
                if (used == 0)
                {
                    _chunks.Add(new byte[ChunkSize]);
                }
                int n = Math.Min(rest.Length, ChunkSize - used);
                rest[..n].CopyTo(_chunks[^1].AsSpan(used));
                _length += n;
                rest = rest[n..];
            }
        }
    }

    /// <summary>What is logged by now: lines logged later are not in it.</summary>
    public Snapshot Take()
    {
        lock (_lock)
        {
            return new Snapshot([.. _chunks], _length, _dropped);
        }
    }

    /// <summary>The log's bytes at one moment, as an entry's content of known length.</summary>
    public sealed class Snapshot(IReadOnlyList<byte[]> chunks, long length, long dropped) : IEvidenceContent
    {
        /// <summary>Lines not kept because the log had reached its cap.</summary>
        public long Dropped => dropped;

        long? IEvidenceContent.Length => length;

        public IReadOnlyList<DataSegment>? Segments => null;

        public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (offset >= length)
            {
                return ValueTask.FromResult(0);
            }
            int within = (int)(offset % ChunkSize);
            int n = (int)Math.Min(Math.Min(buffer.Length, ChunkSize - within), length - offset);
            chunks[(int)(offset / ChunkSize)].AsSpan(within, n).CopyTo(buffer.Span);
            return ValueTask.FromResult(n);
        }

        public ValueTask<ContentReadNote?> CompleteAsync(CancellationToken cancellationToken) => ValueTask.FromResult<ContentReadNote?>(null);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
