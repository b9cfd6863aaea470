namespace ContainerForensics.Evidence.Output;

/// <summary>
/// A layer the archive's bytes pass through on their way to the output, such as encryption to
/// the analyst (ContainerForensics.Sealing's age stream): a forward-only write stream over the
/// output, with an end of its own. <see cref="ArchiveOutput"/> calls <see cref="Finish"/> only
/// when the archive is sealed; a run that breaks off leaves the layer unfinished, so its reader
/// sees a cut stream rather than a complete one.
/// </summary>
public abstract class OutputLayer : Stream
{
    /// <summary>Writes what the layer holds back and its closing bytes; nothing may be written afterwards.</summary>
    public abstract void Finish();

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write([value]);
}
