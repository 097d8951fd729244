// Why: the one small interface between the shared kernel (main loop, later the Lisp VM) and
// the machine it runs on. XenPlatform (hypercalls, console ring) and LinuxPlatform
// (syscalls) both live in the image; the entry that ran picks one. An abstract class rather
// than an interface so calls are plain virtual calls (no interface dispatch in the image).
namespace LispVm.Kernel
{
    internal abstract unsafe class Platform
    {
        // Writes the platform's name for the banner ("Xen 4.17", "Linux").
        public abstract void WriteName();

        // Console: Write may buffer; Flush pushes everything out (blocking until accepted).
        public abstract void Write(byte* p, int n);
        public abstract void Flush();
        // Reads up to max available input bytes without blocking; -1 = end of input.
        public abstract int Read(byte* dst, int max);
        // Waits until input may be available or the monotonic clock reaches deadlineNs.
        public abstract void WaitForInput(ulong deadlineNs);

        public abstract ulong MonotonicNs();
        // CPU time this thread has run (user + system), 0 where the platform has no such clock.
        // Only for measurements: LISPVM_GC_CLOCK=cpu times GC pauses with it (KernelClock).
        public virtual ulong ThreadCpuNs() { return 0; }
        // Wall clock: ns since 1970-01-01 UTC (Linux CLOCK_REALTIME, Xen's shared_info wall clock).
        public abstract long UnixTimeNs();

        // Frames: reserve address space, commit (make usable, zeroed) and decommit (give back).
        public abstract byte* Reserve(ulong bytes);
        public abstract bool Commit(byte* p, ulong bytes);
        // Commit without zeroing (the heap's nursery and old space); Linux's pages are zero anyway.
        public virtual bool CommitUncleared(byte* p, ulong bytes) { return Commit(p, bytes); }
        public abstract bool Decommit(byte* p, ulong bytes);
        // Read-only image data that boot has finished with (the heap image, once loaded): a
        // Linux process lets the kernel drop its file pages from memory; Xen keeps them.
        public virtual void Forget(byte* p, ulong bytes) { }

        // Pages the kernel owns (Xen: nr_pages; Linux: see LinuxPlatform).
        public abstract ulong OwnedPages { get; }
        public abstract string NewLine { get; }

        // Bytes the Lisp heap may use (its limit): what the platform can really back with frames.
        public abstract ulong HeapBudget { get; }

        // Bytes of frames not yet used by anything (Xen); 0 = not bounded by frames (Linux).
        public virtual ulong FreeFrameBytes => 0;

        // Memory the machine gives us in bytes (Xen: the domain's pages; Linux: 0 = no fixed size).
        public virtual ulong MemoryBytes => 0;
        // Frames the platform owns, for (room) (Xen: nr_pages; Linux: 0 = not meaningful).
        public virtual ulong FramesOwned => 0;

        // A human console: true when input needs the line discipline (Xen's raw pty; a Linux
        // tty, which this switches to raw mode). False: plain bytes (a pipe).
        public virtual bool EnterInteractiveMode() { return false; }

        // MACHINE-INSTANCE: the host name (Linux) or the domain's name (Xen: xenstore `name`)
        // into dst; its length, 0 when unknown.
        public virtual int MachineName(byte* dst, int max) { return 0; }
        public virtual void LeaveInteractiveMode() { }

        // The console's width in columns for the line editor's wrapping: option word `cols=N`
        // (Xen `extra=`, Linux argv/environment), default 80. Linux without `cols=` asks the
        // terminal, again after SIGWINCH. Cheap: called before every batch of input.
        int _cols;
        public virtual int ConsoleColumns
        {
            get
            {
                if (_cols == 0)
                {
                    ulong c = OptionNumber("cols", 80);
                    _cols = c < 8 ? 8 : c > 1000 ? 1000 : (int)c;
                }
                return _cols;
            }
        }

        // Whether the console's width should be asked of the terminal (CSI 6n; the Xen console
        // without `cols=`: it has no TIOCGWINSZ), and the answer once it came.
        public virtual bool AsksConsoleWidth => false;
        public void SetConsoleColumns(int cols) { _cols = cols < 8 ? 8 : cols > 1000 ? 1000 : cols; }

        // Requests from outside (Xen: `xl shutdown`/`xl reboot`) checked while Lisp runs; cheap
        // when nothing is pending.
        public virtual void PollControl() { }

        // Memory the toolstack asks for (Xen: memory/target, KiB, written by `xl mem-set`):
        // true once per change, with the new value (the driver drops garbled values).
        public virtual bool TakeMemoryTarget(out ulong targetKiB) { targetKiB = 0; return false; }
        // A heap budget that changed since the last call (Linux heap-policy=cgroup: the memory
        // cgroup's limit, read again on every call); the caller asks after each collection.
        public virtual bool TakeHeapBudget(out ulong bytes) { bytes = 0; return false; }
        public virtual bool HeapBudgetMoves => false;
        // The domain's maximum in KiB (Xen: memory/static-max); 0 = unknown or not bounded.
        public virtual ulong StaticMaxKiB => 0;
        // The frames a balloon moves (Xen: XenFrames); null where the platform has none.
        public virtual XenPv.Shim.IBalloonFrames BalloonFrames => null;

        // The device under the network stack (Xen: netfront on device/vif/0; Linux: the TAP
        // device of `net=tap:NAME`); null = none, after printing why when the options asked for one.
        public virtual LispVm.Net.INetDevice OpenNetDevice() { return null; }
        // The opened device's own counters for (net-stats) (netfront's ring errors, a TAP's
        // oversized frames): its kind, how many, and each by name; none by default.
        public virtual string NetDeviceKind => null;
        public virtual int NetDeviceCounterCount => 0;
        public virtual string NetDeviceCounterName(int i) { return null; }
        public virtual long NetDeviceCounter(int i) { return 0; }

        // The boot module (Xen `ramdisk=`): a cpio archive seeding the in-memory file store.
        public byte* RamdiskStart;
        public ulong RamdiskLength;

        // Platform services that may take time, started after the banner (still before the
        // boot heap is sealed).
        public virtual void StartServices() { }

        // Boot options: Linux argv and environment words, Xen start_info.cmd_line words (cfg `extra=`).
        protected abstract byte* OptionsText(out int length);

        // All option words (space- or NUL-separated), for parsers like NetConfig.Parse.
        public byte* Options(out int length)
        {
            byte* t = OptionsText(out length);
            if (t == null) length = 0;
            return t;
        }

        // The value of option word `NAME=value`: a pointer into the options, its length in
        // valueLength; null when absent.
        public byte* OptionValue(string name, out int valueLength)
        {
            valueLength = 0;
            int n;
            byte* t = OptionsText(out n);
            if (t == null) return null;
            for (int i = 0; i + name.Length < n; i++)
            {
                if (i > 0 && t[i - 1] != ' ' && t[i - 1] != 0) continue;
                bool same = true;
                for (int k = 0; k < name.Length; k++) if (t[i + k] != name[k]) { same = false; break; }
                if (!same || t[i + name.Length] != '=') continue;
                int j = i + name.Length + 1;
                int start = j;
                while (j < n && t[j] != ' ' && t[j] != 0) j++;
                valueLength = j - start;
                return t + start;
            }
            return null;
        }

        public bool HasOption(string word)
        {
            int n;
            byte* t = OptionsText(out n);
            if (t == null) return false;
            for (int i = 0; i < n; )
            {
                while (i < n && (t[i] == ' ' || t[i] == 0)) i++;
                int start = i;
                while (i < n && t[i] != ' ' && t[i] != 0) i++;
                if (i - start != word.Length) continue;
                bool same = true;
                for (int k = 0; k < word.Length; k++) if (t[start + k] != word[k]) { same = false; break; }
                if (same) return true;
            }
            return false;
        }

        // Numeric option `NAME=digits` (e.g. LISPVM_HEAP_MB=48); returns fallback if absent.
        public ulong OptionNumber(string name, ulong fallback)
        {
            int n;
            byte* v = OptionValue(name, out n);
            if (v == null) return fallback;
            ulong r = 0;
            int digits = 0;
            while (digits < n && digits < 12 && v[digits] >= '0' && v[digits] <= '9') { r = r * 10 + (ulong)(v[digits] - '0'); digits++; }
            return digits > 0 ? r : fallback;
        }

        public abstract void Exit(int code);           // never returns
        public abstract void Crash();                   // never returns
        // The panic path starts: from now on output must not wait without bound (Xen: a dead
        // console backend); Crash implies it.
        public virtual void BeginPanic() { }

        // Helpers over the primitives above.
        public void Write(string s)
        {
            fixed (char* c = &s.GetPinnableReference())
            {
                byte* b = stackalloc byte[64];
                int i = 0;
                while (i < s.Length)
                {
                    int n = 0;
                    while (n < 64 && i < s.Length) b[n++] = (byte)c[i++];
                    Write(b, n);
                }
            }
        }

        public void WriteLine(string s) { Write(s); Write(NewLine); }

        public void WriteDec(ulong v)
        {
            byte* b = stackalloc byte[24];
            int n = 24;
            do { b[--n] = (byte)('0' + v % 10); v /= 10; } while (v != 0);
            Write(b + n, 24 - n);
        }

        public void WriteHex(ulong v, int digits)
        {
            byte* b = stackalloc byte[18];
            b[0] = (byte)'0'; b[1] = (byte)'x';
            for (int i = 0; i < digits; i++)
            {
                int d = (int)((v >> ((digits - 1 - i) * 4)) & 15);
                b[2 + i] = (byte)(d < 10 ? '0' + d : 'a' + d - 10);
            }
            Write(b, 2 + digits);
        }
    }
}
