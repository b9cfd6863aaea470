namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// What follows the archive's structural end (the tar's end-of-archive blocks, the gzip
/// member's trailer, the zstd frame's end): counted and looked at as it streams past, never
/// held. cfir writes nothing there, so anything found is a problem; this says what it is, so
/// that zero padding or a second gzip member or zstd frame is not mistaken for damage to the
/// archive itself.
/// </summary>
internal sealed class TrailingData
{
    private readonly byte[] _first = new byte[4];
    private int _firstCount;

    /// <summary>Bytes seen after the end.</summary>
    public long Bytes { get; private set; }

    /// <summary>Whether every byte seen is zero.</summary>
    public bool AllZero { get; private set; } = true;

    /// <summary>Whether the input ended within the limit, so <see cref="Bytes"/> is all of it.</summary>
    public bool ReachedEnd { get; private set; }

    /// <summary>Whether it starts as a gzip member does (ID1 ID2, RFC 1952).</summary>
    public bool LooksLikeGzip => _firstCount >= 2 && _first[0] == 0x1F && _first[1] == 0x8B;

    /// <summary>Whether it starts as a zstd frame does (magic 0xFD2FB528 little-endian, RFC 8878).</summary>
    public bool LooksLikeZstd => _firstCount == 4 && _first.AsSpan().SequenceEqual((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD]);

    /// <summary>
    /// Looks at <paramref name="already"/> (read past the end by a reader's read-ahead), then
    /// reads <paramref name="rest"/> until it ends or <paramref name="limit"/> bytes in all were seen.
    /// </summary>
    public static TrailingData Scan(ReadOnlySpan<byte> already, Stream rest, long limit, byte[] buffer)
    {
        var t = new TrailingData();
        t.See(already);
        while (t.Bytes < limit)
        {
            int n = rest.Read(buffer, 0, (int)Math.Min(buffer.Length, limit - t.Bytes));
            if (n == 0)
            {
                t.ReachedEnd = true;
                return t;
            }
            t.See(buffer.AsSpan(0, n));
        }
        // At the limit: one more byte tells whether anything is left.
        t.ReachedEnd = rest.Read(buffer, 0, 1) == 0;
        if (!t.ReachedEnd)
        {
            t.See(buffer.AsSpan(0, 1));
        }
        return t;
    }

    private void See(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }
        for (int i = 0; _firstCount < _first.Length && i < data.Length; i++)
        {
            _first[_firstCount++] = data[i];
        }
        if (AllZero && data.ContainsAnyExcept((byte)0))
        {
            AllZero = false;
        }
        Bytes += data.Length;
    }

    private string Amount => ReachedEnd ? $"{Bytes} bytes" : $"more than {Bytes - 1} bytes";

    private string Stopped => ReachedEnd ? "" : " (not read further)";

    /// <summary>
    /// What follows the raw archive: zero padding, a gzip or zstd stream (a second member or frame
    /// after one of its kind: <paramref name="after"/> is "gzip", "zstd" or null), or other data.
    /// </summary>
    public string Describe(string? after) =>
        AllZero ? $"{Amount} of zero padding after the archive's end{Stopped}"
        : LooksLikeGzip ? $"a {(after == "gzip" ? "second gzip member" : "gzip stream")} follows the archive ({Amount}){Stopped}"
        : LooksLikeZstd ? $"a {(after == "zstd" ? "second zstd frame" : "zstd stream")} follows the archive ({Amount}){Stopped}"
        : $"{Amount} of trailing data after the archive's end{Stopped}";

    /// <summary>What follows the tar's end-of-archive blocks inside the compressed stream (<paramref name="compression"/>: "gzip" or "zstd").</summary>
    public string DescribeInside(string compression) =>
        $"{Amount} of {(AllZero ? "zeros" : "data")} after the tar's end-of-archive blocks, inside the {compression} stream{Stopped}";
}
