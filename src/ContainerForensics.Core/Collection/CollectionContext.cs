using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.Collection;

/// <summary>What every part of one run writes to and counts into: the serialized writer, the result, the deferred work.</summary>
internal sealed record CollectionContext(IEntryWriter Writer, CollectionResult Result, DeferredEvidence Deferred);
