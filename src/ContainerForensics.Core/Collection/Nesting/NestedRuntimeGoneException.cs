namespace ContainerForensics.Core.Collection.Nesting;

/// <summary>
/// A nested runtime did not answer its listing because it is no longer there: its daemon's
/// process exited since discovery (its node was removed). Like a container removed before it was
/// listed, nothing of it was in the run's hands: the runner logs it instead of recording a failure.
/// </summary>
internal sealed class NestedRuntimeGoneException(string message, Exception inner) : Exception(message, inner);
