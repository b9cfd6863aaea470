using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ContainerForensics.Evidence.Output;

/// <summary>
/// The CRC-32 of the gzip trailer (RFC 1952 section 8: ISO 3309 polynomial, reflected,
/// 0xEDB88320, pre- and post-inverted). System.IO.Hashing is not in the registry this project
/// uses, and .NET keeps zlib's crc32 internal, so it is computed here: by carry-less
/// multiplication where the CPU has it (folding, after Gopal et al., "Fast CRC Computation for
/// Generic Polynomials Using PCLMULQDQ Instruction", Intel 2009), else table-driven, eight bytes
/// per step ("slicing-by-8"). <see cref="Combine"/> joins the CRCs of two pieces computed apart,
/// which is what lets the parallel compressor hash each block on its own worker.
/// </summary>
internal static class Crc32
{
    private const uint Polynomial = 0xEDB88320u;

    // Tables[k][b]: the CRC register after byte b followed by k zero bytes.
    private static readonly uint[] Tables = BuildTables();

    /// <summary>Continues <paramref name="crc"/> (0 for an empty prefix) over <paramref name="data"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        if (Pclmulqdq.IsSupported && data.Length >= 128)
        {
            int folded = data.Length & ~15;
            crc = AppendRaw(Fold(~crc, data[..folded]), data[folded..]);
            return ~crc;
        }
        return ~AppendRaw(~crc, data);
    }

    // Folding constants, bit-reflected x^n mod P shifted left by one (the paper's k values), as
    // (low lane, high lane) pairs: the low 64 bits of a 128-bit lane are the earlier bytes,
    // further from the end, so they take the larger power. Fold by 512 bits: x^544, x^480;
    // by 128 bits: x^160, x^96. The test checks the results against the bitwise definition.
    private const ulong K544 = 0x154442bd4, K480 = 0x1c6e41596, K160 = 0x1751997d0, K96 = 0x0ccaa009e;

    /// <summary>
    /// Folds whole 16-byte chunks (at least 128 bytes) down to one 128-bit remainder that is
    /// congruent to the data modulo P, and returns the raw CRC register over those 16 bytes:
    /// the register the table method would have after all of <paramref name="data"/>.
    /// </summary>
    private static uint Fold(uint register, ReadOnlySpan<byte> data)
    {
        var lanes = MemoryMarshal.Cast<byte, Vector128<ulong>>(data);
        var x0 = lanes[0] ^ Vector128.CreateScalar((ulong)register); // the register enters as the first four bytes
        var x1 = lanes[1];
        var x2 = lanes[2];
        var x3 = lanes[3];
        var k512 = Vector128.Create(K544, K480);
        int i = 4;
        for (; i + 4 <= lanes.Length; i += 4)
        {
            x0 = FoldOnce(x0, k512) ^ lanes[i];
            x1 = FoldOnce(x1, k512) ^ lanes[i + 1];
            x2 = FoldOnce(x2, k512) ^ lanes[i + 2];
            x3 = FoldOnce(x3, k512) ^ lanes[i + 3];
        }
        var k128 = Vector128.Create(K160, K96);
        var x = FoldOnce(x0, k128) ^ x1;
        x = FoldOnce(x, k128) ^ x2;
        x = FoldOnce(x, k128) ^ x3;
        for (; i < lanes.Length; i++)
        {
            x = FoldOnce(x, k128) ^ lanes[i];
        }
        Span<byte> rest = stackalloc byte[16];
        MemoryMarshal.Write(rest, in x);
        return AppendRaw(0, rest);
    }

    private static Vector128<ulong> FoldOnce(Vector128<ulong> x, Vector128<ulong> k) =>
        Pclmulqdq.CarrylessMultiply(x, k, 0x00) ^ Pclmulqdq.CarrylessMultiply(x, k, 0x11);

    /// <summary>The register update without the inversions (table-driven).</summary>
    private static uint AppendRaw(uint c, ReadOnlySpan<byte> data)
    {
        var t = Tables.AsSpan();
        while (data.Length >= 8)
        {
            uint lo = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ c;
            uint hi = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            c = t[(7 * 256) + (int)(lo & 0xFF)] ^ t[(6 * 256) + (int)((lo >> 8) & 0xFF)] ^
                t[(5 * 256) + (int)((lo >> 16) & 0xFF)] ^ t[(4 * 256) + (int)(lo >> 24)] ^
                t[(3 * 256) + (int)(hi & 0xFF)] ^ t[(2 * 256) + (int)((hi >> 8) & 0xFF)] ^
                t[256 + (int)((hi >> 16) & 0xFF)] ^ t[(int)(hi >> 24)];
            data = data[8..];
        }
        foreach (byte b in data)
        {
            c = t[(int)((c ^ b) & 0xFF)] ^ (c >> 8);
        }
        return c;
    }

    /// <summary>
    /// The CRC of A followed by B from crc(A), crc(B) and the length of B. With the pre- and
    /// post-inversion the inversion terms cancel, leaving crc(A·B) = crc(A)·x^(8·|B|) ⊕ crc(B)
    /// over GF(2): crc(A) is pushed through |B| zero bytes, a linear map on the 32-bit register,
    /// taken as powers of the one-zero-byte matrix by repeated squaring (O(log |B|) steps).
    /// </summary>
    public static uint Combine(uint crcA, uint crcB, long lengthB)
    {
        if (lengthB <= 0)
        {
            return crcA;
        }
        Span<uint> op = stackalloc uint[32];
        Span<uint> square = stackalloc uint[32];
        // The operator for one zero bit: the register shifts right, the polynomial enters when the low bit was set.
        op[0] = Polynomial;
        for (int i = 1; i < 32; i++)
        {
            op[i] = 1u << (i - 1);
        }
        // Square three times: one zero byte.
        for (int i = 0; i < 3; i++)
        {
            Square(square, op);
            square.CopyTo(op);
        }
        uint crc = crcA;
        ulong n = (ulong)lengthB;
        while (true)
        {
            if ((n & 1) != 0)
            {
                crc = Times(op, crc);
            }
            n >>= 1;
            if (n == 0)
            {
                break;
            }
            Square(square, op);
            square.CopyTo(op);
        }
        return crc ^ crcB;
    }

    // A matrix over GF(2) is 32 columns; column i is the image of bit i.
    private static uint Times(ReadOnlySpan<uint> matrix, uint vector)
    {
        uint sum = 0;
        for (int i = 0; vector != 0; i++, vector >>= 1)
        {
            if ((vector & 1) != 0)
            {
                sum ^= matrix[i];
            }
        }
        return sum;
    }

    private static void Square(Span<uint> result, ReadOnlySpan<uint> matrix)
    {
        for (int i = 0; i < 32; i++)
        {
            result[i] = Times(matrix, matrix[i]);
        }
    }

    private static uint[] BuildTables()
    {
        var t = new uint[8 * 256];
        for (uint b = 0; b < 256; b++)
        {
            uint c = b;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? (c >> 1) ^ Polynomial : c >> 1;
            }
            t[b] = c;
        }
        for (int k = 1; k < 8; k++)
        {
            for (int b = 0; b < 256; b++)
            {
                uint prev = t[((k - 1) * 256) + b];
                t[(k * 256) + b] = t[(int)(prev & 0xFF)] ^ (prev >> 8);
            }
        }
        return t;
    }
}
