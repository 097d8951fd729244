// Platform services the core needs (DESIGN §1): console bytes, time, exit. The hosted
// build implements it over .NET (src/LispVm.Hosted); the kernel image over Linux
// syscalls or the Xen console ring.
namespace LispVm.Eval;

public interface IPlatform
{
    // Files (Builtins/CoreFiles.cs): paths are UTF-8 bytes (not NUL-terminated). Results
    // >= 0 are sizes or byte counts; < 0 are negated errno-style codes (2 = no such file,
    // 13 = permission denied, 21 = is a directory, 95 = no file system here).
    /// <summary>Size in bytes of a regular file, or a negative code.</summary>
    unsafe long FileSize(byte* path, int len);
    /// <summary>Reads up to max bytes of the file into dst; bytes read or a negative code.</summary>
    unsafe long FileRead(byte* path, int len, byte* dst, long max);
    /// <summary>Creates/truncates (append false) or appends to the file; bytes written or a negative code.</summary>
    unsafe long FileWrite(byte* path, int len, byte* src, long n, bool append);
    /// <summary>Deletes the file; 0 or a negative code.</summary>
    unsafe long FileDelete(byte* path, int len);
    /// <summary>Creates one directory (its parent must exist): 0 when created, 1 when a
    /// directory of that name was there already, or a negative code (17: a file of that
    /// name; 95: no file system, as on Xen, whose file store has no directories).</summary>
    unsafe long DirCreate(byte* path, int len);

    /// <summary>Write bytes to the console (stdout).</summary>
    void Write(byte[] buf, int len);
    /// <summary>Monotonic time in microseconds.</summary>
    long NowMicros();
    /// <summary>Wall-clock time: microseconds since 1970-01-01 UTC (GET-UNIVERSAL-TIME); 0 when
    /// the platform has no wall clock.</summary>
    long UnixTimeMicros();
    /// <summary>End the process / domain with this status. May return in tests.</summary>
    void Exit(int code);
    /// <summary>Page frames the platform owns (Xen: the domain's pages; Linux/.NET: 0 = not
    /// meaningful), for (room).</summary>
    long FramesOwned();
    /// <summary>The balloon's figures for (room): f[0] target KiB, f[1] frames the domain
    /// owns, f[2] frames returned to Xen and f[3] populated so far. False (f untouched) where
    /// the platform has no balloon (Linux, .NET).</summary>
    unsafe bool BalloonFigures(long* f);
    /// <summary>Blocks about this many microseconds (SLEEP when no other Lisp thread can run).</summary>
    void Sleep(long micros);
    /// <summary>Blocks at most about this many microseconds, returning early when something
    /// may have arrived (console input, a network frame): UDP-RECEIVE waits here between polls
    /// of the network stack. The kernel pumps the stack and the console before returning.</summary>
    void WaitForEvent(long micros);
}
