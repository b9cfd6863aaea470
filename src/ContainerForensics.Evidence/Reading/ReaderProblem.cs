namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// Something the archive reader found wrong while reading: a record that cannot be read, a field
/// of the wrong type, data after the archive's end. Reading goes on; what to make of it is the
/// caller's (verify reports each one, a report shows them).
/// </summary>
/// <param name="Kind">
/// <c>manifest</c> (a line of manifest.jsonl or errors.jsonl), <c>seal</c>, <c>acquisition</c>,
/// <c>trailing</c> (data after the archive's end), <c>corrupt</c> (a damaged end of a zip).
/// </param>
/// <param name="Path">The member the problem is in, when there is one.</param>
/// <param name="Detail">A sentence for a person, naming the line and the field when there are.</param>
/// <param name="Line">The line (from 1) of a JSON-lines record.</param>
/// <param name="Field">The field's dotted name (<c>source.path</c>, <c>statusCounts.failed</c>).</param>
public sealed record ReaderProblem(string Kind, string? Path, string Detail, long? Line = null, string? Field = null)
{
    public override string ToString() => Path is null ? $"{Kind}: {Detail}" : $"{Kind}: {Path}: {Detail}";
}
