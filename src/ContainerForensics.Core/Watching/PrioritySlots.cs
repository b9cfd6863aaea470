namespace ContainerForensics.Core.Watching;

/// <summary>
/// A fixed number of collection slots, handed out urgent waiters first: a trigger that has not
/// begun (its container's most volatile evidence is not taken yet) goes before the later phases
/// of collections already under way, which give their slot back between phases and ask again.
/// Each kind of waiter is served in arrival order.
/// </summary>
internal sealed class PrioritySlots(int count)
{
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource> _urgent = new();
    private readonly Queue<TaskCompletionSource> _later = new();
    private int _free = count;

    /// <summary>Waits for a slot; the caller gives it back with <see cref="Release"/>.</summary>
    public Task EnterAsync(bool urgent, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (_free > 0 && (urgent || _urgent.Count == 0))
            {
                _free--;
                return Task.CompletedTask;
            }
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (urgent ? _urgent : _later).Enqueue(waiter);
        }
        if (!cancellationToken.CanBeCanceled)
        {
            return waiter.Task;
        }
        return WaitAsync(waiter, cancellationToken);
    }

    /// <summary>Cancelled while waiting, it gives up its place (<see cref="ReleaseLocked"/> skips it); handed a slot first, it keeps it.</summary>
    private static async Task WaitAsync(TaskCompletionSource waiter, CancellationToken cancellationToken)
    {
        await using (cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken)).ConfigureAwait(false))
        {
            await waiter.Task.ConfigureAwait(false);
        }
    }

    public void Release()
    {
        lock (_lock)
        {
            ReleaseLocked();
        }
    }

    private void ReleaseLocked()
    {
        while (_urgent.TryDequeue(out var next) || _later.TryDequeue(out next))
        {
            if (next.TrySetResult())
            {
                return; // handed over
            }
        }
        _free++;
    }
}
