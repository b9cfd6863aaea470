using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Evidence;
using Xunit;

namespace ContainerForensics.TestSupport;

/// <summary>
/// The test double of <see cref="IEvidenceSink"/>: every item's content is read as the archive
/// writer reads it (<see cref="ContentConsumer"/>: by offset, to the end, then its closing check,
/// then disposed), one item at a time as the runner's serialized writer takes them, and kept with
/// its first bytes, sha256 and final status; every error is kept. Deferred work runs in place
/// (any sink's default) or, with <see cref="DeferInBackground"/>, starts at once like the runner's
/// sink and is awaited with <see cref="DeferredAsync"/>.
/// </summary>
public sealed class RecordingSink : IEvidenceSink
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly List<Task> _deferred = [];
    private readonly List<Recorded> _items = [];
    private readonly List<RecordedError> _errors = [];

    /// <summary>How many of each content's first bytes to keep; the rest is only hashed (a layer of a large file).</summary>
    public int KeepBytes { get; init; } = int.MaxValue;

    /// <summary>Start deferred work on the thread pool and return, as the runner's sink does.</summary>
    public bool DeferInBackground { get; init; }

    /// <summary>An exception to throw for an item instead of recording it (an archive output that broke); its content is disposed unread.</summary>
    public Func<EvidenceItem, Exception?> FailOn { get; init; } = _ => null;

    /// <summary>The most each spool handed out may hold (a full in-memory spool); null: no limit.</summary>
    public long? SpoolCapacity { get; init; }

    /// <summary>The spools handed out, in order.</summary>
    public List<MemoryEvidenceSpool> Spools { get; } = [];

    /// <summary>Awaited after an item was recorded: lets a test act in the middle of a collection (remove the container, kill a process).</summary>
    public Func<Recorded, Task>? AfterAdd { get; set; }

    public IReadOnlyList<Recorded> Items
    {
        get
        {
            lock (_lock)
            {
                return _items.ToList();
            }
        }
    }

    public IReadOnlyList<RecordedError> Errors
    {
        get
        {
            lock (_lock)
            {
                return _errors.ToList();
            }
        }
    }

    /// <summary>Each error as one line: the message, and the exception's message after a colon.</summary>
    public IReadOnlyList<string> ErrorTexts => Errors.Select(e => e.Text).ToList();

    /// <summary>What was handed to <see cref="DeferAsync"/>, in order.</summary>
    public IReadOnlyList<string> DeferredWhat { get; private set; } = [];

    public IEnumerable<string?> Names => Items.Select(i => i.Item.Name);

    /// <summary>The one item named <paramref name="name"/>.</summary>
    public Recorded this[string name] => Assert.Single(Items, i => i.Item.Name == name);

    public Recorded? Find(string name) => Items.SingleOrDefault(i => i.Item.Name == name);

    public bool Has(string name) => Items.Any(i => i.Item.Name == name);

    /// <summary>The items whose name starts with <paramref name="prefix"/>.</summary>
    public IReadOnlyList<Recorded> Under(string prefix) => Items.Where(i => i.Item.Name?.StartsWith(prefix, StringComparison.Ordinal) == true).ToList();

    public IEnumerable<Recorded> In(EvidenceSection section) => Items.Where(i => i.Item.Section == section);

    /// <summary>The one item for a path inside the container (any section).</summary>
    public Recorded Single(string path) => Assert.Single(Items, i => i.Path == path);

    /// <summary>The one item of <paramref name="section"/> for a path inside the container.</summary>
    public Recorded Single(EvidenceSection section, string path) => Assert.Single(In(section), i => i.Path == path);

    public Recorded? Find(EvidenceSection section, string path) => In(section).SingleOrDefault(i => i.Path == path);

    public async ValueTask<EntryResult> AddAsync(EvidenceItem item, CancellationToken cancellationToken)
    {
        Recorded recorded;
        await _turn.WaitAsync(cancellationToken);
        try
        {
            var consumed = await ContentConsumer.TakeAsync(item.Content, item.Status, item.Reason, KeepBytes, FailOn(item), cancellationToken);
            lock (_lock)
            {
                recorded = new Recorded(item, consumed.Kept, consumed.Sha256, consumed.BytesRead, consumed.Note, consumed.Status, consumed.Reason, _items.Count + 1);
                _items.Add(recorded);
            }
        }
        finally
        {
            _turn.Release();
        }
        if (AfterAdd is { } hook)
        {
            await hook(recorded);
        }
        return new EntryResult(ArchivePath.Of("test", item.Name ?? "raw"), recorded.Status, recorded.Sha256, recorded.BytesRead, recorded.Reason);
    }

    public void RecordError(string message, Exception? exception = null, int? errno = null, string? path = null)
    {
        lock (_lock)
        {
            _errors.Add(new RecordedError(message, exception, errno, path));
        }
    }

    public IEvidenceSpool CreateSpool(string name)
    {
        var spool = new MemoryEvidenceSpool(name, SpoolCapacity);
        lock (_lock)
        {
            Spools.Add(spool);
        }
        return spool;
    }

    public Task DeferAsync(string what, Func<IEvidenceSink, CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            DeferredWhat = [.. DeferredWhat, what];
            if (!DeferInBackground)
            {
                return work(this, cancellationToken);
            }
            _deferred.Add(Task.Run(() => work(this, cancellationToken), CancellationToken.None));
            return Task.CompletedTask;
        }
    }

    /// <summary>Ends when every piece of deferred work has, including work deferred by deferred work.</summary>
    public async Task DeferredAsync()
    {
        while (true)
        {
            Task[] running;
            lock (_lock)
            {
                running = [.. _deferred];
            }
            await Task.WhenAll(running);
            lock (_lock)
            {
                if (_deferred.Count == running.Length)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One item as the archive would hold it.</summary>
    /// <param name="Bytes">The first <see cref="KeepBytes"/> bytes of its content; null when it had none.</param>
    /// <param name="Sha256">Of the whole content as the archive stores it; null when it had none.</param>
    /// <param name="Note">What the source's closing check said.</param>
    /// <param name="Status">The collector's status made worse by what the read saw.</param>
    /// <param name="Number">1-based, in the order items were added.</param>
    public sealed record Recorded(EvidenceItem Item, byte[]? Bytes, string? Sha256, long BytesRead, ContentReadNote? Note, EntryStatus Status, string? Reason, int Number)
    {
        /// <summary>The kept bytes; empty when it had no content.</summary>
        public byte[] Content => Bytes ?? [];

        public string Text => Encoding.UTF8.GetString(Content);

        /// <summary>The lines of the kept bytes, as a <see cref="StringReader"/> splits them.</summary>
        public IEnumerable<string> Lines()
        {
            using var reader = new StringReader(Text);
            while (reader.ReadLine() is { } line)
            {
                yield return line;
            }
        }

        public JsonElement Json => JsonDocument.Parse(Bytes ?? throw new InvalidOperationException($"{Item.Name} has no content")).RootElement;

        /// <summary>The path inside the container, as text; null for named evidence.</summary>
        public string? Path => Item.RawPath is { } raw ? Encoding.UTF8.GetString(raw) : null;

        public EntryKind Kind => Item.Metadata.Kind;

        public string? LinkTarget => Item.Metadata.LinkTarget is { } t ? Encoding.UTF8.GetString(t) : null;

        public void Deconstruct(out EvidenceItem item, out byte[] content)
        {
            item = Item;
            content = Content;
        }
    }

    public sealed record RecordedError(string Message, Exception? Exception, int? Errno, string? Path)
    {
        public string Text => Exception is null ? Message : $"{Message}: {Exception.Message}";

        public void Deconstruct(out string message, out Exception? exception)
        {
            message = Message;
            exception = Exception;
        }
    }
}
