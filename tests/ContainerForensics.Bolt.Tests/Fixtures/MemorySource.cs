using ContainerForensics.Bolt.Reading;

namespace ContainerForensics.Bolt.Tests.Fixtures;

/// <summary>A database in memory, for tests that open thousands of files; <paramref name="failAt"/> says which reads fail with EIO, as a bad sector would.</summary>
internal sealed class MemorySource(byte[] bytes, Func<long, int, bool>? failAt = null) : BoltSource
{
    public override long Length => bytes.Length;

    public int Reads { get; private set; }

    public override int Read(Span<byte> buffer, long offset)
    {
        Reads++;
        if (failAt?.Invoke(offset, buffer.Length) == true)
        {
            throw new IOException("Input/output error (a test's bad sector)");
        }
        if (offset >= bytes.Length)
        {
            return 0;
        }
        int n = (int)Math.Min(buffer.Length, bytes.Length - offset);
        bytes.AsSpan((int)offset, n).CopyTo(buffer);
        return n;
    }
}
