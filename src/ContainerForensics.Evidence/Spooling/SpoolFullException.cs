namespace ContainerForensics.Evidence.Spooling;

/// <summary>An in-memory spool reached the archive's spool budget (<see cref="SpoolBudget"/>).</summary>
public sealed class SpoolFullException(string message) : IOException(message);
