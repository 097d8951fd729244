// Why: the image as a Xen PV guest, built from the XenPv.* pieces: console = XenConsole over
// the shared console ring (batched, one event per flush, waits with SCHEDOP_poll when the
// ring is full), time = Xen system time from vcpu_time_info, waiting = SCHEDOP_poll with an
// ABSOLUTE deadline, frames = XenFrames, power-off/crash = SCHEDOP_shutdown.
using XenPv.Console;
using XenPv.Shim;

namespace LispVm.Kernel
{
    internal sealed unsafe class XenPlatform : Platform
    {
        readonly SharedInfo* _shared;
        readonly XenConsole _console;
        readonly ulong _nrPages;
        readonly int _verMajor, _verMinor;
        readonly XenFrames _frames;

        readonly byte* _cmdLine;

        public XenPlatform(byte* shared, byte* ring, uint port, ulong nrPages, XenFrames frames, byte* cmdLine)
        {
            _cmdLine = cmdLine;
            _shared = (SharedInfo*)shared;
            _nrPages = nrPages;
            _frames = frames;
            Hypercalls.XenVersion(out _verMajor, out _verMinor);
            if (ring != null) _console = new XenConsole(ring, port, (ulong*)shared);
        }

        public override void WriteName()
        {
            Write("Xen ");
            WriteDec((ulong)_verMajor);
            Write(".");
            WriteDec((ulong)_verMinor);
        }

        public override string NewLine => "\r\n";

        // start_info.cmd_line: 1024 bytes, NUL-terminated by Xen (bounded anyway).
        protected override byte* OptionsText(out int length)
        {
            length = 0;
            if (_cmdLine == null) return null;
            while (length < 1024 && _cmdLine[length] != 0) length++;
            return _cmdLine;
        }
        public override ulong OwnedPages => _nrPages;
        // 70% of the frames still free (the rest: page tables, the VM's start-up objects).
        public override ulong HeapBudget => _frames.FreeFrames * 4096 / 10 * 7;
        public int RingResets => _console == null ? 0 : _console.RingResets;

        public override void Write(byte* p, int n) { if (_console != null) _console.Write(p, n); }
        public override void Flush() { if (_console != null) _console.Flush(); }
        public override int Read(byte* dst, int max) { return _console == null ? 0 : _console.Read(dst, max); }
        public override void WaitForInput(ulong deadlineNs) { if (_console != null) _console.WaitForInput(deadlineNs); }

        public override ulong MonotonicNs() { return _shared == null ? 0 : XenTime.NowNs(&_shared->vcpu_info0.time); }

        // A TSC value taken before shared_info was mapped, converted with the current record.
        public ulong TscToNs(ulong tsc)
        {
            if (_shared == null) return 0;
            VcpuTimeInfo* t = &_shared->vcpu_info0.time;
            return t->system_time + XenTime.ScaleDelta(tsc - t->tsc_timestamp, t->tsc_to_system_mul, t->tsc_shift);
        }

        public ulong Cr2() { return _shared == null ? 0 : _shared->vcpu_info0.arch_cr2; }

        public override byte* Reserve(ulong bytes) { return _frames.Reserve(bytes); }
        public override bool Commit(byte* p, ulong bytes) { return _frames.Commit(p, bytes); }
        public override bool Decommit(byte* p, ulong bytes) { return _frames.Decommit(p, bytes); }

        void Shutdown(uint reason)
        {
            Flush();
            for (;;) Hypercalls.SchedShutdown(reason);
        }

        public override void Exit(int code) { Shutdown(code == 0 ? Hypercalls.ShutdownPoweroff : Hypercalls.ShutdownCrash); }
        public override void Crash() { Shutdown(Hypercalls.ShutdownCrash); }
    }
}
