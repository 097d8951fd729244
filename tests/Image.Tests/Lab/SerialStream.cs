// Why: a QEMU serial port exposed as a unix socket. A background reader appends every byte
// to one growing text buffer, so callers can wait for a pattern from any earlier offset
// (nothing is lost between "send" and "expect"). Bytes are kept as Latin-1 characters.
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Image.Tests.Lab;

public sealed class SerialStream : IDisposable
{
    private readonly Socket _socket;
    private readonly StringBuilder _buf = new();
    private readonly Thread _reader;
    private bool _closed;

    private SerialStream(Socket s)
    {
        _socket = s;
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "lab-serial" };
        _reader.Start();
    }

    // Connects once QEMU has created the socket (QEMU waits for us with server=on,wait=on).
    public static SerialStream Connect(string path, Process qemu, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (qemu.HasExited) throw new LabException("QEMU exited (code " + qemu.ExitCode + ") before " + path + " appeared");
            if (File.Exists(path))
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try { s.Connect(new UnixDomainSocketEndPoint(path)); return new SerialStream(s); }
                catch (SocketException) { s.Dispose(); }
            }
            Thread.Sleep(20);
        }
        throw new LabException("QEMU serial socket " + path + " not created in " + timeout.TotalSeconds + " s");
    }

    private void ReadLoop()
    {
        var bytes = new byte[4096];
        try
        {
            for (;;)
            {
                int n = _socket.Receive(bytes);
                if (n <= 0) break;
                lock (_buf) { _buf.Append(Encoding.Latin1.GetString(bytes, 0, n)); Monitor.PulseAll(_buf); }
            }
        }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
        lock (_buf) { _closed = true; Monitor.PulseAll(_buf); }
    }

    public int Length { get { lock (_buf) return _buf.Length; } }
    public bool Closed { get { lock (_buf) return _closed; } }
    public string Text(int from = 0) { lock (_buf) return _buf.ToString(from, _buf.Length - from); }

    public void Write(string s) => _socket.Send(Encoding.Latin1.GetBytes(s));

    // First match of re in the text from offset `from`, waiting up to timeout; null on timeout
    // or when the port closed without a match.
    public Match WaitFor(Regex re, int from, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        lock (_buf)
        {
            for (;;)
            {
                var m = re.Match(_buf.ToString(from, _buf.Length - from));
                if (m.Success) return m;
                var left = timeout - sw.Elapsed;
                if (_closed || left <= TimeSpan.Zero) return null;
                Monitor.Wait(_buf, left < TimeSpan.FromMilliseconds(500) ? left : TimeSpan.FromMilliseconds(500));
            }
        }
    }

    public void Dispose()
    {
        try { _socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
        _socket.Dispose();
    }
}
