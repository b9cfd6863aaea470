using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using ContainerForensics.Core.IO;

namespace ContainerForensics.Core.Tests.IO;

/// <summary>
/// The blocking, pumped connection under Docker's HTTP client, against a real unix socket
/// whose other end each test drives: bytes whole and in order however the peer writes them
/// (frame by frame, paced, past the bulk threshold), the end and a failure as they happened,
/// cancellation, bounded memory, and a peer that takes nothing (a full backlog, a full buffer).
/// </summary>
public sealed class PumpedSocketStreamTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cfir-pumped-").FullName;
    private readonly Socket _listener;
    private readonly string _path;

    public PumpedSocketStreamTests()
    {
        _path = Path.Combine(_directory, "s.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(_path));
        _listener.Listen(1);
    }

    public void Dispose()
    {
        _listener.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<(Stream Client, Socket Peer)> ConnectAsync()
    {
        Task<Socket> accepted = _listener.AcceptAsync();
        Stream client = await UnixSocketConnector.ConnectPumpedAsync(_path, CancellationToken.None);
        return (client, await accepted);
    }

    [Fact]
    public async Task A_body_written_frame_by_frame_past_the_bulk_threshold_is_read_whole_and_in_order()
    {
        (Stream client, Socket peer) = await ConnectAsync();
        using var _ = peer;
        await using var __ = client;
        var data = new byte[3 * PumpedSocketStream.BulkAfterBytes + 4321];
        new Random(7).NextBytes(data);
        var request = new byte[5];
        await client.WriteAsync("GET /\n"u8.ToArray());
        Assert.Equal(5, await peer.ReceiveAsync(request));
        var writer = Task.Run(() =>
        {
            // As dockerd writes a log: one small write per frame, with pauses now and then.
            var sizes = new Random(8);
            for (int at = 0; at < data.Length;)
            {
                int n = Math.Min(data.Length - at, sizes.Next(1, 400));
                at += peer.Send(data, at, n, SocketFlags.None);
                if (sizes.Next(2000) == 0)
                {
                    Thread.Sleep(2);
                }
            }
            peer.Shutdown(SocketShutdown.Send);
        });
        var read = new MemoryStream();
        var buffer = new byte[4096]; // SocketsHttpHandler's connection buffer
        for (int n; (n = await client.ReadAsync(buffer)) > 0;)
        {
            read.Write(buffer, 0, n);
        }
        await writer;
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(read.ToArray()));
        Assert.Equal(0, await client.ReadAsync(buffer)); // still the end
    }

    [Fact]
    public async Task A_small_answer_is_delivered_without_waiting_for_more()
    {
        (Stream client, Socket peer) = await ConnectAsync();
        using var _ = peer;
        await using var __ = client;
        await client.WriteAsync("GET /\n"u8.ToArray());
        peer.Send("HTTP/1.1 200 OK\r\n"u8);
        var buffer = new byte[4096];
        // The peer keeps the connection open: the bytes must come without its end.
        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int n = await client.ReadAsync(buffer, budget.Token);
        Assert.Equal("HTTP/1.1 200 OK\r\n", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
    }

    [Fact]
    public async Task A_pending_read_is_cancelled_by_its_token_and_the_bytes_after_it_still_come()
    {
        (Stream client, Socket peer) = await ConnectAsync();
        using var _ = peer;
        await using var __ = client;
        var buffer = new byte[16];
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.ReadAtLeastAsync(buffer, 1, cancellationToken: cancel.Token));
        peer.Send("late"u8);
        int n = await client.ReadAsync(buffer);
        Assert.Equal("late", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
    }

    [Fact]
    public async Task A_connection_reset_by_the_peer_is_an_io_failure_not_an_end()
    {
        (Stream client, Socket peer) = await ConnectAsync();
        await using var _ = client;
        await client.WriteAsync("unread by the peer"u8.ToArray());
        // Closing with our bytes unread resets the connection (ECONNRESET), as a daemon that
        // dies mid-answer does.
        peer.Send("partial"u8);
        await Task.Delay(50);
        peer.Close();
        var buffer = new byte[64];
        var read = new MemoryStream();
        var failure = await Assert.ThrowsAsync<IOException>(async () =>
        {
            for (int n; (n = await client.ReadAsync(buffer)) > 0;)
            {
                read.Write(buffer, 0, n);
            }
        });
        Assert.Equal("partial", System.Text.Encoding.ASCII.GetString(read.ToArray())); // what came before the reset came
        Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(failure.InnerException).SocketErrorCode);
    }

    [Fact]
    public async Task Disposing_ends_a_read_blocked_on_a_silent_peer_and_the_peer_sees_the_end()
    {
        (Stream client, Socket peer) = await ConnectAsync();
        using var _ = peer;
        var buffer = new byte[16];
        Task<int> pending = client.ReadAsync(buffer).AsTask();
        await Task.Delay(100);
        Assert.False(pending.IsCompleted);
        client.Dispose();
        // A failure, never the clean end a shutdown of the socket would otherwise look like.
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => pending.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.IsType<ObjectDisposedException>(Assert.IsType<IOException>(failure).InnerException);
        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Equal(0, await peer.ReceiveAsync(new byte[16], budget.Token)); // the socket was shut down
    }

    [Fact]
    public async Task A_reader_that_stops_reading_holds_a_bounded_number_of_bytes_however_much_the_peer_sends()
    {
        (Stream client, Socket peer) = await ConnectAsync();
        using var _ = peer;
        await using var __ = client;
        await client.WriteAsync("GET /\n"u8.ToArray());
        var chunk = new byte[64 * 1024];
        long sent = 0;
        using var stop = new CancellationTokenSource();
        var sender = Task.Run(async () =>
        {
            peer.Blocking = false;
            var quiet = Stopwatch.StartNew();
            while (quiet.Elapsed < TimeSpan.FromSeconds(1) && Interlocked.Read(ref sent) < 256L << 20)
            {
                try
                {
                    Interlocked.Add(ref sent, peer.Send(chunk));
                    quiet.Restart();
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
                {
                    await Task.Delay(10);
                }
            }
        });
        // Read past the bulk threshold (the pump's buffers are large from there), then stop.
        long consumed = 2L * PumpedSocketStream.BulkAfterBytes;
        var buffer = new byte[4096];
        for (long left = consumed; left > 0;)
        {
            left -= await client.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)));
        }
        await sender;
        long held = Interlocked.Read(ref sent) - consumed;
        // The pump's buffers and the kernel's: a few MiB at most, never what the peer offers.
        Assert.True(held < 8L << 20, $"the peer could send {held} bytes beyond what was read");
        Assert.True(held > PumpedSocketStream.Buffers * 64 * 1024, $"only {held} bytes taken beyond what was read: the pump should have filled its buffers");
    }

    /// <summary>
    /// An out-of-band byte (MSG_OOB, which unix stream sockets take since Linux 5.15) is counted
    /// by FIONREAD and skipped by a plain recv: without it inline, the pump held the bytes it had
    /// read while it waited for one recv would not give, and spun once the peer closed.
    /// </summary>
    [Fact]
    public async Task An_out_of_band_byte_neither_holds_back_what_came_before_it_nor_hides_the_end()
    {
        (Stream client, Socket peer) = await ConnectAsync();
        await using var _ = client;
        await client.WriteAsync("GET /\n"u8.ToArray());
        Assert.Equal(6, await peer.ReceiveAsync(new byte[6])); // taken, so that the close below is an end, not a reset
        var bulk = new byte[2 * PumpedSocketStream.BulkAfterBytes];
        var sent = Task.Run(() => peer.Send(bulk)); // blocks until the reader below takes it
        var buffer = new byte[4096];
        for (long left = bulk.Length; left > 0;)
        {
            left -= await client.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)));
        }
        Assert.Equal(bulk.Length, await sent);
        peer.Send("tail"u8);
        peer.Send("!"u8, SocketFlags.OutOfBand);
        var read = new MemoryStream();
        using (var budget = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            while (read.Length < "tail!".Length)
            {
                int n = await client.ReadAsync(buffer, budget.Token); // the peer stays open and silent
                read.Write(buffer, 0, n);
            }
        }
        Assert.Equal("tail!", System.Text.Encoding.ASCII.GetString(read.ToArray()));
        peer.Close();
        using var end = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Equal(0, await client.ReadAsync(buffer, end.Token));
    }

    [Fact]
    public async Task A_connect_to_a_listener_whose_backlog_is_full_ends_with_its_token()
    {
        // Fill the backlog: connections the listener never accepts.
        var queued = new List<Socket>();
        try
        {
            while (true)
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { Blocking = false };
                queued.Add(s);
                try
                {
                    s.Connect(new UnixDomainSocketEndPoint(_path));
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
                {
                    break;
                }
                Assert.True(queued.Count < 100, "the backlog never filled");
            }
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(1500));
            var clock = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
                await UnixSocketConnector.ConnectPumpedAsync(_path, cancel.Token));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5) + 2 * UnixSocketConnector.BlockingSlice, $"took {clock.Elapsed}");
        }
        finally
        {
            queued.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task A_write_to_a_peer_that_reads_nothing_fails_instead_of_hanging()
    {
        (Stream client, Socket peer) = await ConnectAsync();
        using var _ = peer;
        await using var __ = client;
        var large = new byte[16 << 20]; // beyond what both ends' kernel buffers hold
        // Sends block on the calling thread: run it aside, so that a hang fails the test instead of holding the run.
        var failure = await Assert.ThrowsAsync<IOException>(() => Task.Run(async () => await client.WriteAsync(large)).WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.IsType<SocketException>(failure.InnerException);
    }
}
