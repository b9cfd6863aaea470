using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.Collection;

/// <summary>How an acquisition ended: what the collection did, what the seal says, the exit code that follows.</summary>
public sealed record AcquisitionResult(CollectionResult Collection, SealResult Seal, ExitCode Code);
