using System.Text;

namespace ContainerForensics.Sealing.Age;

/// <summary>
/// Reads an age file's header line by line from a stream that cannot be rewound (a pipe), and
/// then hands back the bytes read past the header, so the payload starts where the header ended.
/// </summary>
internal sealed class LineInput(Stream input)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _at;
    private int _end;
    private long _consumed;

    /// <summary>Bytes of the input taken so far (header bytes returned as lines).</summary>
    public long Consumed => _consumed;

    /// <summary>The next line without its LF, its bytes (LF included) appended to <paramref name="raw"/>; null at the end of the input before any byte.</summary>
    public string? ReadLine(MemoryStream raw)
    {
        var line = new MemoryStream();
        while (true)
        {
            if (_at == _end && !Fill())
            {
                if (line.Length == 0)
                {
                    return null;
                }
                throw new AgeException(AgeFailure.Header, "the header's last line has no line feed: the file is cut");
            }
            int lf = _buffer.AsSpan(_at, _end - _at).IndexOf((byte)'\n');
            int take = lf < 0 ? _end - _at : lf + 1;
            line.Write(_buffer, _at, take);
            _at += take;
            _consumed += take;
            if (raw.Length + line.Length > AgeHeader.MaxSize)
            {
                throw new AgeException(AgeFailure.Header, $"the header is longer than {AgeHeader.MaxSize} bytes");
            }
            if (lf >= 0)
            {
                raw.Write(line.GetBuffer(), 0, (int)line.Length);
                var bytes = line.GetBuffer().AsSpan(0, (int)line.Length - 1);
                foreach (byte b in bytes)
                {
                    if (b > 127)
                    {
                        throw new AgeException(AgeFailure.Header, "the header has a byte outside ASCII");
                    }
                }
                return Encoding.ASCII.GetString(bytes);
            }
        }
    }

    /// <summary>The input from the first byte after the last line read.</summary>
    public Stream Rest() => new PrefixedStream(_buffer.AsMemory(_at, _end - _at), input);

    private bool Fill()
    {
        _at = 0;
        _end = input.Read(_buffer, 0, _buffer.Length);
        return _end > 0;
    }
}
