using System.Runtime.InteropServices;

namespace ContainerForensics.Evidence.Compression;

/// <summary>
/// libzstd (zstd_manual.html, https://facebook.github.io/zstd/zstd_manual.html), loaded once for
/// ZstdNet and for the reader here: ZstdNet's own copy when the package has one for this
/// platform (linux-x64 and linux-arm64: libzstd.so 1.5.7, which the single file carries and
/// extracts with the other native libraries), else the system's <c>libzstd.so.1</c> (musl
/// builds; the name ZstdNet asks for, <c>libzstd.so</c>, exists only with the -dev package).
/// ZstdNet compresses. Decompression calls <c>ZSTD_decompressStream</c> from here, because
/// ZstdNet's DecompressionStream says neither where a frame ends nor that the input ended inside
/// one: it returns 0 there as at a clean end.
/// </summary>
internal static unsafe class LibZstd
{
    /// <summary>ZSTD_d_windowLogMax (zstd.h, ZSTD_dParameter).</summary>
    public const int DParamWindowLogMax = 100;

    /// <summary>ZSTD_error_frameParameter_windowTooLarge (zstd_errors.h).</summary>
    public const int ErrorWindowTooLarge = 16;

    private static readonly Lazy<(nint Handle, string? Failure)> Library = new(Load);

    /// <summary>The library, or a usage-level message saying why it could not be loaded.</summary>
    public static nint Handle => Library.Value.Handle != 0
        ? Library.Value.Handle
        : throw new DllNotFoundException(Library.Value.Failure);

    /// <summary>Loads libzstd now; null when it is there, else why not (for a clear error before any evidence is taken).</summary>
    public static string? Check() => Library.Value.Failure;

    /// <summary>The loaded library's version (ZSTD_versionString), e.g. "1.5.7".</summary>
    public static string Version => Marshal.PtrToStringUTF8((nint)((delegate* unmanaged<byte*>)Export("ZSTD_versionString"))()) ?? "?";

    private static (nint, string?) Load()
    {
        var zstdNet = typeof(ZstdNet.CompressionStream).Assembly;
        if (!NativeLibrary.TryLoad("libzstd", zstdNet, null, out nint handle) && !NativeLibrary.TryLoad("libzstd.so.1", out handle))
        {
            return (0, "libzstd cannot be loaded: neither ZstdNet's libzstd.so for this platform nor the system's libzstd.so.1 was found (Debian/Ubuntu: package libzstd1)");
        }
        // ZstdNet imports "libzstd": the same library for its calls, whichever was found.
        NativeLibrary.SetDllImportResolver(zstdNet, (name, _, _) => name == "libzstd" ? handle : 0);
        return (handle, null);
    }

    private static nint Export(string name) => NativeLibrary.GetExport(Handle, name);

    private static readonly Lazy<Api> Functions = new(() => new Api
    {
        CreateDCtx = (delegate* unmanaged<nint>)Export("ZSTD_createDCtx"),
        FreeDCtx = (delegate* unmanaged<nint, nuint>)Export("ZSTD_freeDCtx"),
        DCtxSetParameter = (delegate* unmanaged<nint, int, int, nuint>)Export("ZSTD_DCtx_setParameter"),
        DecompressStream = (delegate* unmanaged<nint, OutBuffer*, InBuffer*, nuint>)Export("ZSTD_decompressStream"),
        IsError = (delegate* unmanaged<nuint, uint>)Export("ZSTD_isError"),
        GetErrorName = (delegate* unmanaged<nuint, byte*>)Export("ZSTD_getErrorName"),
        GetErrorCode = (delegate* unmanaged<nuint, int>)Export("ZSTD_getErrorCode"),
    });

    public static nint CreateDCtx()
    {
        nint dctx = Functions.Value.CreateDCtx();
        return dctx != 0 ? dctx : throw new OutOfMemoryException("ZSTD_createDCtx failed");
    }

    public static void FreeDCtx(nint dctx) => Functions.Value.FreeDCtx(dctx);

    /// <summary>ZSTD_DCtx_setParameter; a library error is thrown.</summary>
    public static void SetParameter(nint dctx, int parameter, int value)
    {
        nuint r = Functions.Value.DCtxSetParameter(dctx, parameter, value);
        if (IsError(r))
        {
            throw new InvalidOperationException($"ZSTD_DCtx_setParameter({parameter}, {value}): {ErrorName(r)}");
        }
    }

    /// <summary>ZSTD_decompressStream: 0 once a frame is decoded and flushed whole; an error code (<see cref="IsError"/>); else a hint of the input it still wants.</summary>
    public static nuint DecompressStream(nint dctx, OutBuffer* output, InBuffer* input) => Functions.Value.DecompressStream(dctx, output, input);

    public static bool IsError(nuint code) => Functions.Value.IsError(code) != 0;

    public static string ErrorName(nuint code) => Marshal.PtrToStringUTF8((nint)Functions.Value.GetErrorName(code)) ?? "unknown error";

    public static int ErrorCode(nuint code) => Functions.Value.GetErrorCode(code);

    /// <summary>ZSTD_inBuffer.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct InBuffer
    {
        public void* Src;
        public nuint Size;
        public nuint Pos;
    }

    /// <summary>ZSTD_outBuffer.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct OutBuffer
    {
        public void* Dst;
        public nuint Size;
        public nuint Pos;
    }

    private sealed class Api
    {
        public required delegate* unmanaged<nint> CreateDCtx { get; init; }
        public required delegate* unmanaged<nint, nuint> FreeDCtx { get; init; }
        public required delegate* unmanaged<nint, int, int, nuint> DCtxSetParameter { get; init; }
        public required delegate* unmanaged<nint, OutBuffer*, InBuffer*, nuint> DecompressStream { get; init; }
        public required delegate* unmanaged<nuint, uint> IsError { get; init; }
        public required delegate* unmanaged<nuint, byte*> GetErrorName { get; init; }
        public required delegate* unmanaged<nuint, int> GetErrorCode { get; init; }
    }
}
