namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>A line a parser could not read: where, why, and the start of its text (escaped when written).</summary>
internal sealed record UnparsedLine(int Line, string Reason, RawName Text)
{
    /// <summary>At most this many bytes of an unparsed line are kept; the raw file has the rest.</summary>
    public const int MaxTextBytes = 512;

    public static UnparsedLine Of(ProcLine line, string reason)
    {
        string text = line.Text.Length > MaxTextBytes ? line.Text[..MaxTextBytes] : line.Text;
        return new UnparsedLine(line.Number, reason, RawName.FromLatin1(text));
    }
}
