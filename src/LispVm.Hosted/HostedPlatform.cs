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

    public HostedPlatform(bool exitForReal)
    {
        ExitForReal = exitForReal;
        stdout = exitForReal ? Console.OpenStandardOutput() : Stream.Null;
    }

    public void Write(byte[] buf, int len)
    {
        if (Capture != null) { Capture(buf, len); return; }
        stdout.Write(buf, 0, len);
        stdout.Flush();
    }

    public long NowMicros() { return (long)(clock.ElapsedTicks * (1_000_000.0 / Stopwatch.Frequency)); }

    public long FramesOwned() { return 0; }

    public void Sleep(long micros) { if (micros > 0) System.Threading.Thread.Sleep((int)Math.Min(micros / 1000, int.MaxValue)); }

    public void Exit(int code)
    {
        ExitCode = code;
        if (ExitForReal) { stdout.Flush(); Environment.Exit(code); }
    }
}
