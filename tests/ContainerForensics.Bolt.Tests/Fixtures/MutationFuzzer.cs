using System.Buffers.Binary;
using System.Diagnostics;

namespace ContainerForensics.Bolt.Tests.Fixtures;

/// <summary>
/// Damages a database many times over, seeded, the way torn copies and attackers do (flipped bits, fields set to
/// telling values, pages zeroed, pages copied over others, the file cut), and reads everything of each result.
/// A case may only end in a <see cref="BoltFormatException"/> from Open; it must finish within the time given
/// (the loop runs on its own thread, so a hang fails the test, naming the case) and allocate a bounded amount.
/// </summary>
internal sealed class MutationFuzzer(byte[] original, uint pageSize, ulong highWaterMark, int seed)
{
    private volatile int _case = -1;
    private volatile byte[] _bytes = [];

    public BoltLimits Limits { get; init; } = BoltLimits.Default;

    /// <summary>Most bytes one case may allocate (reading, not mutating).</summary>
    public long MaxAllocatedPerCase { get; init; } = 64 << 20;

    public FuzzReport Run(int cases, TimeSpan within)
    {
        var report = new FuzzReport();
        var thread = new Thread(() =>
        {
            try
            {
                Loop(cases, report);
            }
            catch (Exception ex)
            {
                report.Failure = ex;
            }
        }) { IsBackground = true, Name = "bolt fuzz" };
        thread.Start();
        if (!thread.Join(within))
        {
            throw new TimeoutException($"seed {seed}: case {_case} did not finish within {within} (a hang?; kept in {Keep(_bytes)})");
        }
        if (report.Failure is { } failure)
        {
            throw new InvalidOperationException($"seed {seed}: case {_case}: {failure.Message}", failure);
        }
        return report;
    }

    private void Loop(int cases, FuzzReport report)
    {
        var rng = new Random(seed);
        var work = new byte[original.Length];
        for (int c = 0; c < cases; c++)
        {
            _case = c;
            original.CopyTo(work, 0);
            var bytes = Mutate(work, rng);
            _bytes = bytes;
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            try
            {
                using var db = BoltDatabase.Open(new MemorySource(bytes), $"case {c}", Limits);
                report.Entries += ReadAll(db.Root, 0);
                report.Problems += db.Problems.Count;
                report.Opened++;
            }
            catch (BoltFormatException)
            {
                report.Refused++;
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"{ex.GetType().Name} (kept in {Keep(bytes)}): {ex.Message}", ex);
            }
            report.SlowestCase = Max(report.SlowestCase, clock.Elapsed);
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            report.MostAllocated = Math.Max(report.MostAllocated, allocated);
            if (allocated > MaxAllocatedPerCase)
            {
                throw new InvalidOperationException($"allocated {allocated} bytes reading one case (kept in {Keep(bytes)})");
            }
        }
    }

    /// <summary>Everything reachable: every entry, every nested bucket, and a search for every key found.</summary>
    private static long ReadAll(BoltBucket bucket, int depth)
    {
        long n = 0;
        foreach (var e in bucket.Entries())
        {
            n++;
            if (e.Bucket is { } child)
            {
                _ = bucket.Bucket(e.Key);
                n += ReadAll(child, depth + 1);
            }
            else
            {
                _ = bucket.Get(e.Key);
            }
        }
        return n;
    }

    /// <summary>Keeps a failing case's bytes for a look with other tools.</summary>
    private static string Keep(byte[] bytes)
    {
        string path = Path.Combine(Path.GetTempPath(), $"cfir-bolt-fuzz-{Guid.NewGuid():N}.db");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private byte[] Mutate(byte[] bytes, Random rng)
    {
        long used = Math.Min(bytes.Length, (long)Math.Min(highWaterMark, (ulong)(bytes.Length / pageSize)) * pageSize);
        int pages = (int)Math.Max(1, used / pageSize);
        int mutations = rng.Next(1, 5);
        for (int m = 0; m < mutations; m++)
        {
            switch (rng.Next(10))
            {
                case < 3: // flip bits
                    for (int i = rng.Next(1, 9); i > 0; i--)
                    {
                        bytes[rng.NextInt64(used)] ^= (byte)(1 << rng.Next(8));
                    }
                    break;
                case < 7: // a telling value where the structure is: page header or the elements after it
                    long at = ((long)rng.Next(pages) * pageSize) + (rng.Next(3) == 0 ? rng.Next(16) : 16 + (rng.Next(24) * 16) + (rng.Next(4) * 4));
                    WriteTelling(bytes, at, rng, pages);
                    break;
                case 7: // a page zeroed: never written
                    Array.Clear(bytes, rng.Next(pages) * (int)pageSize, (int)pageSize);
                    break;
                case 8: // a page copied over another: a torn or misplaced write
                    Array.Copy(bytes, rng.Next(pages) * pageSize, bytes, rng.Next(pages) * pageSize, pageSize);
                    break;
                default: // the file cut
                    return bytes[..(int)rng.NextInt64(bytes.Length)];
            }
        }
        return bytes;
    }

    private void WriteTelling(byte[] bytes, long at, Random rng, int pages)
    {
        ulong value = rng.Next(12) switch
        {
            0 => 0,
            1 => 1,
            2 => 2,
            3 => (ulong)rng.Next(pages),
            4 => highWaterMark,
            5 => highWaterMark + 1,
            6 => 0xFFFF,
            7 => 0x7FFF_FFFF,
            8 => 0xFFFF_FFFF,
            9 => ulong.MaxValue,
            10 => pageSize,
            _ => (ulong)rng.NextInt64(),
        };
        int width = rng.Next(3) switch { 0 => 2, 1 => 4, _ => 8 };
        if (at < 0 || at + width > bytes.Length)
        {
            return;
        }
        var span = bytes.AsSpan((int)at, width);
        switch (width)
        {
            case 2: BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)value); break;
            case 4: BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)value); break;
            default: BinaryPrimitives.WriteUInt64LittleEndian(span, value); break;
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

/// <summary>What a fuzz run met, to show that the cases reached deep (entries read) and were not all refused.</summary>
internal sealed class FuzzReport
{
    public int Opened { get; set; }

    public int Refused { get; set; }

    public long Entries { get; set; }

    public long Problems { get; set; }

    public TimeSpan SlowestCase { get; set; }

    public long MostAllocated { get; set; }

    public Exception? Failure { get; set; }

    public override string ToString() =>
        $"{Opened} opened, {Refused} refused, {Entries} entries, {Problems} problems, slowest {SlowestCase.TotalMilliseconds:F0} ms, most allocated {MostAllocated >> 10} KiB";
}
