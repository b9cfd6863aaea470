using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Core.Tests.Evidence;

/// <summary>Errors recorded while the turn is held (even by the same flow) are queued, never lost, never deadlock, and keep their order.</summary>
public sealed class SerializedEntryWriterTests
{
    [Fact]
    public async Task An_error_recorded_from_inside_an_entry_being_written_is_handed_over_after_it_in_order()
    {
        var inner = new Inner();
        var writer = new SerializedEntryWriter(inner);
        writer.RecordError(Error("before"));
        inner.DuringAdd = () =>
        {
            writer.RecordError(Error("during 1"));
            writer.RecordError(Error("during 2"));
        };
        await writer.AddAsync(Entry("a"), default).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        inner.DuringAdd = null;
        writer.RecordError(Error("after"));
        Assert.Equal(["error before", "add a", "error during 1", "error during 2", "error after"], inner.Log);
    }

    [Fact]
    public async Task Many_writers_at_once_reach_the_inner_writer_one_at_a_time_and_nothing_is_lost()
    {
        var inner = new Inner();
        var writer = new SerializedEntryWriter(inner);
        var tasks = Enumerable.Range(0, 16).Select(t => Task.Run(async () =>
        {
            for (int i = 0; i < 50; i++)
            {
                await writer.AddAsync(Entry($"{t}-{i}"), default);
                writer.RecordError(Error($"{t}-{i}"));
            }
        }));
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, inner.Overlaps);
        Assert.Equal(16 * 50, inner.Log.Count(l => l.StartsWith("add ", StringComparison.Ordinal)));
        Assert.Equal(16 * 50, inner.Log.Count(l => l.StartsWith("error ", StringComparison.Ordinal)));
    }

    private static ErrorRecord Error(string message) => new() { Scope = "test", Message = message };

    private static ArchiveEntry Entry(string name) => new() { Path = ArchivePath.Of("test", name), Source = new EvidenceSource() };

    private sealed class Inner : IEntryWriter
    {
        private int _inside;

        public List<string> Log { get; } = [];

        public int Overlaps { get; private set; }

        public Action? DuringAdd { get; set; }

        public async ValueTask<EntryResult> AddAsync(ArchiveEntry entry, CancellationToken cancellationToken)
        {
            Enter();
            await Task.Yield();
            DuringAdd?.Invoke();
            Log.Add("add " + entry.Path.Value[5..]);
            Interlocked.Decrement(ref _inside);
            return new EntryResult(entry.Path, entry.Status, null, 0, null);
        }

        public IEvidenceSpool CreateSpool(string name) => new MemoryEvidenceSpool(name);

        public void RecordError(ErrorRecord error)
        {
            Enter();
            Log.Add("error " + error.Message);
            Interlocked.Decrement(ref _inside);
        }

        private void Enter()
        {
            if (Interlocked.Increment(ref _inside) > 1)
            {
                Overlaps++;
            }
        }
    }
}
