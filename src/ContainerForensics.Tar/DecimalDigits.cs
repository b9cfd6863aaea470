namespace ContainerForensics.Tar;

/// <summary>Accumulates ASCII decimal digits into a non-negative long, refusing anything else and overflow.</summary>
internal static class DecimalDigits
{
    public static bool TryAppend(ref long value, byte digit)
    {
        if (digit is < (byte)'0' or > (byte)'9')
        {
            return false;
        }
        int d = digit - '0';
        if (value > (long.MaxValue - d) / 10)
        {
            return false;
        }
        value = (value * 10) + d;
        return true;
    }
}
