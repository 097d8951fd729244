// Platform services the core needs (DESIGN §1): console bytes, time, exit. The hosted
// build implements it over .NET (src/LispVm.Hosted); the kernel image over Linux
// syscalls or the Xen console ring.
namespace LispVm.Eval;

public interface IPlatform
{
    /// <summary>Write bytes to the console (stdout).</summary>
    void Write(byte[] buf, int len);
    /// <summary>Monotonic time in microseconds.</summary>
    long NowMicros();
    /// <summary>End the process / domain with this status. May return in tests.</summary>
    void Exit(int code);
    /// <summary>Page frames the platform owns (Xen: the domain's pages; Linux/.NET: 0 = not
    /// meaningful), for (room).</summary>
    long FramesOwned();
    /// <summary>Blocks about this many microseconds (SLEEP when no other Lisp thread can run).</summary>
    void Sleep(long micros);
}
