namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>
/// What a parser made of one file: the entries it read and the lines it could not, by line
/// number. A bad line never costs the others. The list of unparsed lines is capped (a hostile
/// or broken file could hold millions); <see cref="UnparsedCount"/> counts them all.
/// </summary>
internal sealed class ParsedTable<T>
{
    public const int MaxUnparsedListed = 1000;

    public List<T> Entries { get; } = [];

    public List<UnparsedLine> Unparsed { get; } = [];

    public int UnparsedCount { get; private set; }

    public int Lines { get; set; }

    public void AddUnparsed(ProcLine line, string reason)
    {
        UnparsedCount++;
        if (Unparsed.Count < MaxUnparsedListed)
        {
            Unparsed.Add(UnparsedLine.Of(line, reason));
        }
    }

    /// <summary>
    /// Runs <paramref name="parseLine"/> over every line; a line it rejects (or that throws) is
    /// recorded, the rest go on. <paramref name="cut"/>: the content stops at a read limit, so an
    /// unterminated last line is a fragment, not an entry.
    /// </summary>
    public static ParsedTable<T> Parse(ReadOnlyMemory<byte> content, bool cut, Func<ProcLine, ParsedTable<T>, string?> parseLine)
    {
        var table = new ParsedTable<T>();
        foreach (var line in ProcLine.Split(content))
        {
            table.Lines = line.Number;
            if (cut && !line.Terminated)
            {
                table.AddUnparsed(line, "cut off at the read limit");
                continue;
            }
            string? problem;
            try
            {
                problem = parseLine(line, table);
            }
            catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException or IndexOutOfRangeException)
            {
                problem = "unreadable: " + ex.Message;
            }
            if (problem is not null)
            {
                table.AddUnparsed(line, problem);
            }
        }
        return table;
    }
}
