using System.Runtime.InteropServices;

namespace ContainerForensics.Cli.Hosting;

/// <summary>
/// The one place where SIGINT, SIGTERM and SIGQUIT become cancellation: the first signal asks
/// the collection to stop and seal the archive as partial; a second one ends the process at once.
/// </summary>
internal sealed class SignalCancellation : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly List<PosixSignalRegistration> _registrations = [];

    public SignalCancellation()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGQUIT })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
        }
    }

    public CancellationToken Token => _cts.Token;

    /// <summary>The signal that stopped the run, for the archive's record.</summary>
    public PosixSignal? Received { get; private set; }

    private void OnSignal(PosixSignalContext context)
    {
        if (_cts.IsCancellationRequested)
        {
            return; // second signal: let the default action terminate the process
        }
        Received = context.Signal;
        context.Cancel = true;
        _cts.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations)
        {
            r.Dispose();
        }
        _cts.Dispose();
    }
}
