// IPlatform for the hosted build: stdout, a monotonic clock and process exit. Exit only
// records the request when the REPL is embedded (tests), so a test run survives (quit).
using System;
using System.Diagnostics;
using System.IO;
using LispVm.Eval;

namespace LispVm.Hosted;

public sealed class HostedPlatform : IPlatform
{
    readonly Stream stdout;
    readonly Stopwatch clock = Stopwatch.StartNew();
    public bool ExitForReal;
    public int? ExitCode;
    public Action<byte[], int> Capture;
    /// <summary>Bytes written so far (the terminal's editor: did the Repl print?).</summary>
    public long BytesWritten;

    public HostedPlatform(bool exitForReal)
    {
        ExitForReal = exitForReal;
        stdout = exitForReal ? Console.OpenStandardOutput() : Stream.Null;
    }

    public void Write(byte[] buf, int len)
    {
        BytesWritten += len;
        if (Capture != null) { Capture(buf, len); return; }
        stdout.Write(buf, 0, len);
        stdout.Flush();
    }

    public long UnixTimeMicros() { return (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10; }
    public long NowMicros() { return (long)(clock.ElapsedTicks * (1_000_000.0 / Stopwatch.Frequency)); }

    public long FramesOwned() { return 0; }

    /// <summary>No balloon here; tests set these four figures to see the (room) line.</summary>
    public long[] Balloon;
    public unsafe bool BalloonFigures(long* f)
    {
        if (Balloon == null) return false;
        for (int i = 0; i < 4; i++) f[i] = Balloon[i];
        return true;
    }

    /// <summary>Answer like the Xen guest (no file system: code 95), so tests reach the
    /// in-memory file store.</summary>
    public bool NoFileSystem;
    public unsafe long FileSize(byte* path, int len) { return NoFileSystem ? -95 : HostedFiles.Size(path, len); }
    public unsafe long FileRead(byte* path, int len, byte* dst, long max) { return NoFileSystem ? -95 : HostedFiles.Read(path, len, dst, max); }
    public unsafe long FileWrite(byte* path, int len, byte* src, long n, bool append) { return NoFileSystem ? -95 : HostedFiles.Write(path, len, src, n, append); }
    public unsafe long FileDelete(byte* path, int len) { return NoFileSystem ? -95 : HostedFiles.Delete(path, len); }
    public unsafe long DirCreate(byte* path, int len) { return NoFileSystem ? -95 : HostedFiles.MakeDir(path, len); }

    public void Sleep(long micros) { if (micros > 0) System.Threading.Thread.Sleep((int)Math.Min(micros / 1000, int.MaxValue)); }

    // No event source to wait on here: a short sleep, then the caller polls again (a test's
    // peer stack runs on its own thread).
    public void WaitForEvent(long micros)
    {
        if (micros >= 1000) System.Threading.Thread.Sleep(1);
        else System.Threading.Thread.Yield();
    }

    public void Exit(int code)
    {
        ExitCode = code;
        if (ExitForReal) { stdout.Flush(); Environment.Exit(code); }
    }
}
