// Why: the image run as a plain Linux process (tests, benchmarks without Xen): console on
// fds 0/1, frames from mmap/mprotect/madvise, CLOCK_MONOTONIC, poll() for waiting and
// exit_group. "Owned pages" reports the boot-heap + stack pages of the image (the process
// has no fixed memory size of its own); the heap's budget comes from LinuxMemory.
namespace LispVm.Kernel
{
    internal sealed unsafe class LinuxPlatform : Platform
    {
        const long SYS_read = 0, SYS_write = 1, SYS_mmap = 9, SYS_mprotect = 10, SYS_munmap = 11,
            SYS_madvise = 28, SYS_poll = 7, SYS_clock_gettime = 228, SYS_exit_group = 231;
        const long EINTR = -4, EAGAIN = -11;
        const long SYS_ioctl = 16, TCGETS = 0x5401, TCSETSW = 0x5403;
        const int TermiosSize = 36;     // kernel struct termios: 4 flag words, c_line, c_cc[19]

        bool _eof;
        readonly ulong _ownedPages;

        readonly byte* _args;
        readonly int _argsLength;

        // args: the argv strings, which the kernel lays out contiguously (NUL-separated).
        public LinuxPlatform(ulong ownedPages, byte* args, int argsLength)
        {
            _ownedPages = ownedPages; _args = args; _argsLength = argsLength;
            _heapBudget = LinuxMemory.Budget(this, out BudgetSource);
            _followCgroup = LinuxMemory.FollowsCgroup(this);
            _lastBudget = _heapBudget;
        }

        readonly ulong _heapBudget;
        readonly bool _followCgroup;
        ulong _lastBudget;

        // heap-policy=cgroup: memory.max read again (LinuxMemory.CgroupBudget).
        public override bool HeapBudgetMoves => _followCgroup;
        public override bool TakeHeapBudget(out ulong bytes)
        {
            bytes = 0;
            if (!_followCgroup) return false;
            LinuxBudgetSource source;
            ulong b = LinuxMemory.CgroupBudget(out source);
            if (b == _lastBudget) return false;
            _lastBudget = b;
            bytes = b;
            return true;
        }

        // heap-policy=cgroup reserves address space for all of physical memory, so the heap
        // can follow a memory.max that is raised; otherwise the budget is the maximum.
        public override ulong StaticMaxKiB => _followCgroup ? LinuxMemory.PhysicalBytes() / 1024 : 0;
        public readonly LinuxBudgetSource BudgetSource;

        protected override byte* OptionsText(out int length) { length = _argsLength; return _args; }

        public override void WriteName() { Write("Linux"); }
        public override string NewLine => "\n";
        public override ulong OwnedPages => _ownedPages;
        // --heap-limit / LISPVM_HEAP_MB / the cgroup's limit / physical memory (LinuxMemory.cs).
        public override ulong HeapBudget => _heapBudget;

        // stdin a terminal: raw mode (no kernel echo, editing or signals; the LineDiscipline
        // does them), output post-processing kept so "\n" still shows as CR LF. The terminal
        // gets its modes back on every way out: exit (Exit), SIGTERM and SIGHUP (restored,
        // then the signal's default action), SIGTSTP and a typed Ctrl-Z (restored while
        // stopped, raw again on SIGCONT). SIGINT interrupts the running form (LinuxEntry) and
        // does not end the process. SIGWINCH makes ConsoleColumns ask the terminal again.
        byte* _savedTermios;      // the modes we found, then the raw ones (2 x TermiosSize)
        static LinuxPlatform s_tty;   // for the signal handlers
        static int s_resized = 1;

        // uname(2): struct utsname is six 65-byte fields; nodename is the second.
        public override int MachineName(byte* dst, int max)
        {
            byte* u = stackalloc byte[6 * 65];
            if (Native.Syscall(63 /* SYS_uname */, (long)u, 0, 0, 0, 0, 0) != 0) return 0;
            int n = 0;
            while (n < 64 && n < max && u[65 + n] != 0) { dst[n] = u[65 + n]; n++; }
            return n;
        }

        public override bool EnterInteractiveMode()
        {
            byte* t = (byte*)Internal.Runtime.BootHeap.AllocZeroed(2 * TermiosSize);
            if (t == null || Native.Syscall(SYS_ioctl, 0, TCGETS, (long)t, 0, 0, 0) != 0) return false;
            byte* raw = t + TermiosSize;
            for (int i = 0; i < TermiosSize; i++) raw[i] = t[i];
            uint* f = (uint*)raw;
            f[0] &= ~(0x100u | 0x400u | 0x40u | 0x80u);      // c_iflag: ICRNL IXON INLCR IGNCR
            f[3] &= ~(0x2u | 0x8u | 0x1u | 0x8000u);          // c_lflag: ICANON ECHO ISIG IEXTEN
            raw[17 + 6] = 1; raw[17 + 5] = 0;                  // c_cc[VMIN] = 1, c_cc[VTIME] = 0
            if (Native.Syscall(SYS_ioctl, 0, TCSETSW, (long)raw, 0, 0, 0) != 0) return false;
            _savedTermios = t;
            s_tty = this;
            InstallTtySignals();
            return true;
        }

        public override void LeaveInteractiveMode()
        {
            if (_savedTermios == null) return;
            Native.Syscall(SYS_ioctl, 0, TCSETSW, (long)_savedTermios, 0, 0, 0);
            _savedTermios = null;
        }

        const int SIGHUP = 1, SIGTERM = 15, SIGCONT = 18, SIGTSTP = 20, SIGWINCH = 28;
        const long SYS_rt_sigaction = 13, SYS_getpid = 39, SYS_kill = 62, TCSETS = 0x5402, TIOCGWINSZ = 0x5413;
        const ulong SA_SIGINFO = 0x04, SA_RESTORER = 0x04000000, SA_RESTART = 0x10000000,
            SA_NODEFER = 0x40000000, SA_RESETHAND = 0x80000000;

        static void InstallTtySignals()
        {
            SetHandler(SIGTERM, (ulong)(delegate* unmanaged<int, byte*, byte*, void>)&OnFatal, SA_RESETHAND | SA_NODEFER);
            SetHandler(SIGHUP, (ulong)(delegate* unmanaged<int, byte*, byte*, void>)&OnFatal, SA_RESETHAND | SA_NODEFER);
            SetHandler(SIGTSTP, (ulong)(delegate* unmanaged<int, byte*, byte*, void>)&OnStop, SA_NODEFER | SA_RESTART);
            SetHandler(SIGCONT, (ulong)(delegate* unmanaged<int, byte*, byte*, void>)&OnContinue, SA_RESTART);
            SetHandler(SIGWINCH, (ulong)(delegate* unmanaged<int, byte*, byte*, void>)&OnResize, SA_RESTART);
        }

        // handler 0 = SIG_DFL. Kernel struct sigaction: {handler, flags, restorer, mask}.
        static void SetHandler(int sig, ulong handler, ulong flags)
        {
            ulong* sa = stackalloc ulong[4];
            sa[0] = handler;
            sa[1] = handler == 0 ? 0 : SA_SIGINFO | SA_RESTORER | flags;
            sa[2] = handler == 0 ? 0 : Layout.Current->SigReturn;
            sa[3] = 0;
            Native.Syscall(SYS_rt_sigaction, sig, (long)sa, 0, 8, 0, 0);
        }

        // Signal handlers: syscalls and static fields only.
        static void SetModes(bool raw)
        {
            LinuxPlatform p = s_tty;
            if (p == null || p._savedTermios == null) return;
            Native.Syscall(SYS_ioctl, 0, TCSETS, (long)(p._savedTermios + (raw ? TermiosSize : 0)), 0, 0, 0);
        }

        [System.Runtime.InteropServices.UnmanagedCallersOnly(EntryPoint = "lispvm_linux_tty_fatal")]
        static void OnFatal(int sig, byte* info, byte* uc)
        {
            // SA_RESETHAND made the action the default again: the signal now ends us as it would have.
            SetModes(false);
            Native.Syscall(SYS_kill, Native.Syscall(SYS_getpid, 0, 0, 0, 0, 0, 0), sig, 0, 0, 0, 0);
            Native.Syscall(SYS_exit_group, 128 + sig, 0, 0, 0, 0, 0);
        }

        [System.Runtime.InteropServices.UnmanagedCallersOnly(EntryPoint = "lispvm_linux_tty_stop")]
        static void OnStop(int sig, byte* info, byte* uc) { Suspend(); }

        [System.Runtime.InteropServices.UnmanagedCallersOnly(EntryPoint = "lispvm_linux_tty_cont")]
        static void OnContinue(int sig, byte* info, byte* uc) { SetModes(true); s_resized = 1; }

        [System.Runtime.InteropServices.UnmanagedCallersOnly(EntryPoint = "lispvm_linux_tty_winch")]
        static void OnResize(int sig, byte* info, byte* uc) { s_resized = 1; }

        // Stop as SIGTSTP's default action would, with the terminal's own modes meanwhile.
        static void Suspend()
        {
            SetModes(false);
            SetHandler(SIGTSTP, 0, 0);
            Native.Syscall(SYS_kill, Native.Syscall(SYS_getpid, 0, 0, 0, 0, 0, 0), SIGTSTP, 0, 0, 0, 0);
            // Continued (SIGCONT): raw again, our handler back.
            SetHandler(SIGTSTP, (ulong)(delegate* unmanaged<int, byte*, byte*, void>)&OnStop, SA_NODEFER | SA_RESTART);
            SetModes(true);
            s_resized = 1;
        }

        // `cols=` when given; else the terminal's width (TIOCGWINSZ), asked again after SIGWINCH.
        int _ttyCols = DefaultColumns, _colsGiven = -1;
        const int DefaultColumns = 80;
        public override int ConsoleColumns
        {
            get
            {
                if (_colsGiven < 0) _colsGiven = OptionNumber("cols", 0) != 0 ? 1 : 0;
                if (_colsGiven == 1) return base.ConsoleColumns;
                if (s_resized == 0) return _ttyCols;
                s_resized = 0;
                ushort* ws = stackalloc ushort[4];     // struct winsize {rows, cols, xpixel, ypixel}
                ws[1] = 0;
                if (Native.Syscall(SYS_ioctl, 0, TIOCGWINSZ, (long)ws, 0, 0, 0) == 0 && ws[1] >= 8) _ttyCols = ws[1];
                return _ttyCols;
            }
        }

        public override void Write(byte* p, int n)
        {
            while (n > 0)
            {
                long r = Native.Syscall(SYS_write, 1, (long)p, n, 0, 0, 0);
                if (r == EINTR || r == EAGAIN) continue;
                if (r <= 0) return;          // stdout gone: drop output, keep running
                p += r; n -= (int)r;
            }
        }

        public override void Flush() { }

        public override int Read(byte* dst, int max)
        {
            if (_eof) return -1;
            // Only read when poll says there is something, so Read never blocks.
            long* pfd = stackalloc long[1];
            *(int*)pfd = 0; ((short*)pfd)[2] = 1; ((short*)pfd)[3] = 0;   // {fd 0, POLLIN}
            long r = Native.Syscall(SYS_poll, (long)pfd, 1, 0, 0, 0, 0);
            if (r <= 0) return 0;
            r = Native.Syscall(SYS_read, 0, (long)dst, max, 0, 0, 0);
            if (r == EINTR || r == EAGAIN) return 0;
            if (r <= 0) { _eof = true; return -1; }
            if (_savedTermios != null) return DropSuspend(dst, (int)r);
            return (int)r;
        }

        // Raw mode turned ISIG off, so Ctrl-Z arrives as byte 0x1A: it suspends as it would in
        // cooked mode, and is not input.
        int DropSuspend(byte* b, int n)
        {
            int k = 0;
            for (int i = 0; i < n; i++)
            {
                if (b[i] == 0x1A) { Suspend(); continue; }
                b[k++] = b[i];
            }
            return k;
        }

        // Waits for stdin and, with a network, the TAP device (a frame wakes the pump).
        public override void WaitForInput(ulong deadlineNs)
        {
            if (_eof && _tap == null) return;
            ulong now = MonotonicNs();
            if (deadlineNs != 0 && deadlineNs <= now) return;
            long timeoutMs = deadlineNs == 0 ? -1 : (long)((deadlineNs - now + 999999) / 1000000);
            long* pfd = stackalloc long[2];        // struct pollfd {int fd; short events, revents}
            int n = 0;
            if (!_eof) { *(int*)(pfd + n) = 0; ((short*)(pfd + n))[2] = 1; ((short*)(pfd + n))[3] = 0; n++; }
            if (_tap != null) { *(int*)(pfd + n) = _tap.Fd; ((short*)(pfd + n))[2] = 1; ((short*)(pfd + n))[3] = 0; n++; }
            Native.Syscall(SYS_poll, (long)pfd, n, timeoutMs, 0, 0, 0);
        }

        // `net=tap:NAME` (LinuxTap.cs), with `mac=` or the fixed locally administered
        // 02:00:00:00:00:02. Null after printing why.
        LinuxTap _tap;
        public override LispVm.Net.INetDevice OpenNetDevice()
        {
            int n;
            byte* v = OptionValue("net", out n);
            if (v == null || n < 5 || v[0] != 't' || v[1] != 'a' || v[2] != 'p' || v[3] != ':')
            {
                Write("net: Linux mode needs net=tap:NAME (a TAP device)");
                if (v != null) { Write(", not net="); Write(v, n); }
                Write("; no network");
                Write(NewLine);
                return null;
            }
            byte* mac = stackalloc byte[6];
            mac[0] = 0x02; mac[1] = 0; mac[2] = 0; mac[3] = 0; mac[4] = 0; mac[5] = 0x02;
            int mn;
            byte* m = OptionValue("mac", out mn);
            if (m != null && !LinuxTap.ParseMac(m, mn, mac))
            {
                Write("net: mac=");
                Write(m, mn);
                Write(" is not a unicast MAC like 02:00:00:00:00:02; no network");
                Write(NewLine);
                return null;
            }
            _tap = LinuxTap.Open(this, v + 4, n - 4, mac);
            return _tap;
        }

        public override string NetDeviceKind => _tap == null ? null : "tap";
        public override int NetDeviceCounterCount => _tap == null ? 0 : LinuxTap.CounterCount;
        public override string NetDeviceCounterName(int i) { return i >= 0 && i < LinuxTap.CounterCount ? LinuxTap.CounterNames[i] : null; }
        public override long NetDeviceCounter(int i) { return _tap == null ? 0 : _tap.Counter(i); }

        public override ulong MonotonicNs()
        {
            long* ts = stackalloc long[2];
            Native.Syscall(SYS_clock_gettime, 1 /* CLOCK_MONOTONIC */, (long)ts, 0, 0, 0, 0);
            return (ulong)ts[0] * 1000000000UL + (ulong)ts[1];
        }

        public override ulong ThreadCpuNs()
        {
            long* ts = stackalloc long[2];
            if (Native.Syscall(SYS_clock_gettime, 3 /* CLOCK_THREAD_CPUTIME_ID */, (long)ts, 0, 0, 0, 0) != 0) return 0;
            return (ulong)ts[0] * 1000000000UL + (ulong)ts[1];
        }

        public override long UnixTimeNs()
        {
            long* ts = stackalloc long[2];
            if (Native.Syscall(SYS_clock_gettime, 0 /* CLOCK_REALTIME */, (long)ts, 0, 0, 0, 0) != 0) return 0;
            return ts[0] * 1000000000L + ts[1];
        }

        public override byte* Reserve(ulong bytes)
        {
            // PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE
            long r = Native.Syscall(SYS_mmap, 0, (long)bytes, 0, 0x02 | 0x20 | 0x4000, -1, 0);
            return r < 0 && r > -4096 ? null : (byte*)r;
        }

        public override bool Commit(byte* p, ulong bytes)
        {
            return Native.Syscall(SYS_mprotect, (long)p, (long)bytes, 3 /* RW */, 0, 0, 0) == 0;
        }

        public override bool Decommit(byte* p, ulong bytes)
        {
            if (Native.Syscall(SYS_madvise, (long)p, (long)bytes, 4 /* MADV_DONTNEED */, 0, 0, 0) != 0) return false;
            return Native.Syscall(SYS_mprotect, (long)p, (long)bytes, 0, 0, 0, 0) == 0;
        }

        // Whole pages inside [p, p+bytes) only: a page shared with written data must stay.
        // MADV_DONTNEED on clean file-backed pages of the private mapping: read again from
        // the ELF if ever touched.
        public override void Forget(byte* p, ulong bytes)
        {
            ulong start = ((ulong)p + 4095) & ~4095UL, end = ((ulong)p + bytes) & ~4095UL;
            if (end > start) Native.Syscall(SYS_madvise, (long)start, (long)(end - start), 4 /* MADV_DONTNEED */, 0, 0, 0);
        }

        public override void Exit(int code)
        {
            Flush();
            LeaveInteractiveMode();
            for (;;) Native.Syscall(SYS_exit_group, code, 0, 0, 0, 0, 0);
        }

        public override void Crash() { Exit(70); }
    }
}
