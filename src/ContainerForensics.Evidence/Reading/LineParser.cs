namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// Splits streamed bytes into lines without holding more than one line, and never a line
/// longer than <see cref="MaxLine"/>: a hostile manifest without a newline must not fill memory.
/// </summary>
internal sealed class LineParser(LineParser.LineHandler handler, Action tooLong)
{
    /// <summary>
    /// Longest line read. A manifest line holds one entry's path and metadata; Linux caps a
    /// file's xattrs at 64 KiB and a path at 4 KiB, so 16 MiB (the tar reader's own limit for
    /// an extended header) is far beyond any real line.
    /// </summary>
    public const int MaxLine = 16 * 1024 * 1024;

    public delegate void LineHandler(ReadOnlySpan<byte> line);

    private readonly MemoryStream _partial = new();
    private bool _skipping; // inside a line already reported too long: drop bytes up to its newline

    public void Feed(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            int nl = data.IndexOf((byte)'\n');
            var piece = nl < 0 ? data : data[..nl];
            if (!_skipping && _partial.Length + piece.Length > MaxLine)
            {
                _partial.SetLength(0);
                _skipping = true;
                tooLong();
            }
            if (nl < 0)
            {
                if (!_skipping)
                {
                    _partial.Write(data);
                }
                return;
            }
            if (_skipping)
            {
                _skipping = false;
            }
            else if (_partial.Length > 0)
            {
                _partial.Write(piece);
                handler(_partial.GetBuffer().AsSpan(0, (int)_partial.Length));
                _partial.SetLength(0);
            }
            else
            {
                handler(piece);
            }
            data = data[(nl + 1)..];
        }
    }

    public void End()
    {
        if (_partial.Length > 0)
        {
            handler(_partial.GetBuffer().AsSpan(0, (int)_partial.Length));
            _partial.SetLength(0);
        }
        _skipping = false;
    }
}
