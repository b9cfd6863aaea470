using ContainerForensics.HostEvidence.Memory;

namespace ContainerForensics.HostEvidence.Tests.Memory;

/// <summary>
/// A synthetic address space for layout tests: every byte is a function of its address, except
/// where text was planted; pages listed as unreadable fail with EIO like a guard page; once
/// <see cref="Exit"/> is called reads return 0, as /proc/&lt;pid&gt;/mem does after the process exits.
/// </summary>
internal sealed class FakeMemory : IProcessMemory
{
    private const int EIO = 5;

    private readonly Dictionary<ulong, byte[]> _planted = [];
    private readonly HashSet<ulong> _unreadablePages = [];
    private bool _exited;

    public int Reads { get; private set; }

    public int LargestRead { get; private set; }

    public bool Disposed { get; private set; }

    public static byte Pattern(ulong address) => (byte)((address >> 12) ^ (address * 31));

    public void Plant(ulong address, byte[] bytes) => _planted[address] = bytes;

    public void MakeUnreadable(ulong page) => _unreadablePages.Add(page);

    public void Exit() => _exited = true;

    public long Read(ulong address, Span<byte> buffer)
    {
        Reads++;
        LargestRead = Math.Max(LargestRead, buffer.Length);
        if (_exited)
        {
            return 0;
        }
        int n = 0;
        for (; n < buffer.Length; n++)
        {
            ulong a = address + (ulong)n;
            if (_unreadablePages.Contains(a & ~0xffful))
            {
                // Like access_remote_vm: a short read up to the bad page, EIO when it is the first.
                return n == 0 ? -EIO : n;
            }
            buffer[n] = Pattern(a);
        }
        foreach (var (at, bytes) in _planted)
        {
            for (int i = 0; i < bytes.Length; i++)
            {
                ulong a = at + (ulong)i;
                if (a >= address && a < address + (ulong)buffer.Length)
                {
                    buffer[(int)(a - address)] = bytes[i];
                }
            }
        }
        return n;
    }

    public bool IsAlive() => !_exited;

    public void Dispose() => Disposed = true;
}
