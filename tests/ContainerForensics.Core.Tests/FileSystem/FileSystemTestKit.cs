using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.Tests.FileSystem;

/// <summary>A scratch directory on the real filesystem, removed afterwards.</summary>
internal sealed class TempTree : IDisposable
{
    public TempTree()
    {
        Root = Directory.CreateTempSubdirectory("cfir-fs-").FullName;
    }

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public byte[] BytesOf(string relative) => Encoding.UTF8.GetBytes(PathOf(relative));

    public byte[] RootBytes => Encoding.UTF8.GetBytes(Root);

    public string WriteFile(string relative, byte[] content)
    {
        string path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);  // does not follow symlinks
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Runs the real tools (stat, truncate, mkfifo, mknod, touch, bash) as independent oracles and makers.</summary>
internal static class Tool
{
    public static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {stderr}");
        }
        return stdout;
    }

    /// <summary>A bash script, for names only bash's $'\xff' quoting can spell.</summary>
    public static string Bash(string script) => Run("/bin/bash", "-c", script);

    /// <summary>"1795313939.331738807" (stat's %.9Y) as a UnixTime.</summary>
    public static UnixTime ParseTime(string s)
    {
        int dot = s.IndexOf('.', StringComparison.Ordinal);
        return new UnixTime(long.Parse(s[..dot], CultureInfo.InvariantCulture), uint.Parse(s[(dot + 1)..], CultureInfo.InvariantCulture));
    }
}

/// <summary>libc calls the tests need to set up what the tools cannot.</summary>
internal static unsafe partial class TestLibc
{
    [LibraryImport("libc", EntryPoint = "lsetxattr", SetLastError = true)]
    private static partial int LsetxattrRaw(byte* path, byte* name, byte* value, nuint size, int flags);

    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true)]
    private static partial nint LgetxattrRaw(byte* path, byte* name, byte* value, nuint size);

    /// <summary>One extended attribute of a path (a final symlink not followed); null when it has none.</summary>
    public static byte[]? Lgetxattr(string path, string name)
    {
        byte[] p = [.. Encoding.UTF8.GetBytes(path), 0];
        byte[] n = [.. Encoding.UTF8.GetBytes(name), 0];
        byte[] value = new byte[65536];
        fixed (byte* pp = p)
        fixed (byte* pn = n)
        fixed (byte* pv = value)
        {
            nint length = LgetxattrRaw(pp, pn, pv, (nuint)value.Length);
            return length < 0 ? null : value[..(int)length];
        }
    }

    /// <summary>setfsuid(2) acts on the calling thread only (the glibc wrapper is a bare system call).</summary>
    [LibraryImport("libc", EntryPoint = "setfsuid")]
    public static partial int SetFsUid(uint uid);

    public static void Lsetxattr(string path, string name, byte[] value)
    {
        byte[] p = [.. Encoding.UTF8.GetBytes(path), 0];
        byte[] n = [.. Encoding.UTF8.GetBytes(name), 0];
        fixed (byte* pp = p)
        fixed (byte* pn = n)
        fixed (byte* pv = value)
        {
            if (LsetxattrRaw(pp, pn, pv, (nuint)value.Length, 0) != 0)
            {
                throw new IOException($"lsetxattr {path} {name}: errno {Marshal.GetLastPInvokeError()}");
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> on a fresh thread whose filesystem uid is <paramref name="uid"/>.</summary>
    public static T AsFsUid<T>(uint uid, Func<T> action)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            SetFsUid(uid);
            try
            {
                if (SetFsUid(uint.MaxValue) != (int)uid)  // -1 only reports the current fsuid
                {
                    throw new InvalidOperationException("setfsuid did not take effect");
                }
                result = action();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            finally
            {
                SetFsUid(0);
            }
        });
        thread.Start();
        if (!thread.Join(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("the fsuid thread hung");
        }
        if (failure is not null)
        {
            throw new InvalidOperationException("failed on the fsuid thread", failure);
        }
        return result;
    }
}

internal static class ContentReader
{
    /// <summary>Reads a content from offset 0 until it reports 0 (what a writer does for a dense file).</summary>
    public static async Task<byte[]> ReadAllAsync(IEvidenceContent content)
    {
        using var ms = new MemoryStream();
        var buffer = new byte[64 * 1024];
        long offset = 0;
        while (true)
        {
            int n = await content.ReadAsync(offset, buffer, CancellationToken.None);
            if (n == 0)
            {
                return ms.ToArray();
            }
            ms.Write(buffer, 0, n);
            offset += n;
        }
    }

    public static async Task<byte[]> ReadRangeAsync(IEvidenceContent content, long offset, int length)
    {
        var result = new byte[length];
        int done = 0;
        while (done < length)
        {
            int n = await content.ReadAsync(offset + done, result.AsMemory(done), CancellationToken.None);
            if (n == 0)
            {
                break;
            }
            done += n;
        }
        return result[..done];
    }

    /// <summary>A hang fails the test instead of hanging it.</summary>
    public static Task<T> Bounded<T>(Func<T> action) => Task.Run(action).WaitAsync(TimeSpan.FromSeconds(10));
}
