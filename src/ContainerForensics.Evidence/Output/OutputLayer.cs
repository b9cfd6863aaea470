using ContainerForensics.Core.IO;

namespace ContainerForensics.Evidence.Output;

/// <summary>
/// A layer the archive's bytes pass through on their way to the output, such as encryption to
/// the analyst (ContainerForensics.Sealing's age stream): a forward-only write stream over the
/// output, with an end of its own. <see cref="ArchiveOutput"/> calls <see cref="Finish"/> only
/// when the archive is sealed; a run that breaks off leaves the layer unfinished, so its reader
/// sees a cut stream rather than a complete one.
/// </summary>
public abstract class OutputLayer : WriteOnlyStream
{
    /// <summary>Writes what the layer holds back and its closing bytes; nothing may be written afterwards.</summary>
    public abstract void Finish();
}
