// Why: the image as a Xen PV guest, built from the XenPv.* pieces: console = XenConsole over
// the shared console ring (batched, one event per flush, waits with SCHEDOP_poll when the
// ring is full), time = Xen system time from vcpu_time_info, waiting = SCHEDOP_poll with an
// ABSOLUTE deadline on the console and xenstore ports, frames = XenFrames, power-off/crash =
// SCHEDOP_shutdown. `xl shutdown`/`xl reboot` arrive as a xenstore watch (XenControl) that
// is checked whenever we wait for input.
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
        XenFrames _frames;               // AttachFrames: after the console is up

        readonly byte* _cmdLine;
        readonly EventChannel _consolePort, _storePort;
        readonly XenControl _control;
        readonly uint* _ports;       // {console, xenstore} for SCHEDOP_poll

        public XenPlatform(byte* shared, byte* ring, uint port, ulong nrPages, byte* cmdLine,
            byte* storePage, uint storePort)
        {
            _cmdLine = cmdLine;
            _shared = (SharedInfo*)shared;
            _nrPages = nrPages;
            Hypercalls.XenVersion(out _verMajor, out _verMinor);
            _consolePort = new EventChannel(port, (SharedInfo*)shared);
            if (ring != null) _console = new XenConsole(ring, _consolePort);
            _ports = (uint*)Internal.Runtime.BootHeap.AllocZeroed(8);
            _ports[0] = port;
            _ports[1] = port;
            if (storePage != null && shared != null)
            {
                _storePort = new EventChannel(storePort, (SharedInfo*)shared);
                _ports[1] = storePort;
                XenStore xs = new XenStore(storePage, _storePort);
                xs.TimeoutNs = 2000000000UL;     // a missing xenstored must not stall boot long
                _control = new XenControl(xs);
            }
        }

        // The frames arrive once the console exists, so a failure building them prints a reason.
        public void AttachFrames(XenFrames frames) { _frames = frames; }

        // xenstore round trips take a while (~0.25 s under the lab's TCG): after the banner.
        public override void StartServices()
        {
            if (_control != null && _control.Start() != XsError.Ok)
            {
                Write("xenstore: control/shutdown watch not available");
                Write(NewLine);
            }
        }

        public override void PollControl() { CheckControl(); }

        public override bool TakeMemoryTarget(out ulong targetKiB)
        {
            targetKiB = 0;
            if (_control == null || !_control.TargetChanged) return false;
            _control.TargetChanged = false;
            targetKiB = _control.MemoryTargetKiB;
            return true;
        }
        public override IBalloonFrames BalloonFrames => _frames;

        // Control requests from the toolstack (xl shutdown / xl reboot).
        void CheckControl()
        {
            if (_control == null) return;
            ShutdownRequest r = _control.Poll();
            if (r == ShutdownRequest.Poweroff || r == ShutdownRequest.Halt)
            {
                WriteLine("xl shutdown: powering off");
                Shutdown(Hypercalls.ShutdownPoweroff);
            }
            if (r == ShutdownRequest.Reboot)
            {
                WriteLine("xl reboot: rebooting");
                Shutdown(Hypercalls.ShutdownReboot);
            }
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
        public override ulong MemoryBytes => _nrPages * 4096;
        public override ulong FramesOwned => _nrPages;
        // xenconsoled's pty is raw: the guest edits and echoes lines itself.
        public override bool EnterInteractiveMode() { return _console != null; }
        // Every frame still free: the first limit, before the VM's start-up objects take theirs;
        // KernelLisp lowers it to what is really left once the library is loaded.
        public override ulong HeapBudget => _frames.FreeFrames * 4096;
        public override ulong FreeFrameBytes => _frames.FreeFrames * 4096;
        public int RingResets => _console == null ? 0 : _console.RingResets;

        public override void Write(byte* p, int n) { if (_console != null) _console.Write(p, n); }
        public override void Flush() { if (_console != null) _console.Flush(); }
        public override int Read(byte* dst, int max) { return _console == null ? 0 : _console.Read(dst, max); }
        // Clear both ports' pending bits, then check the console ring and xenstore: an event
        // arriving after the check is still pending and ends the poll at once.
        public override void WaitForInput(ulong deadlineNs)
        {
            if (_console == null) return;
            _consolePort.ClearPending();
            if (_storePort != null) _storePort.ClearPending();
            if (_console.InAvailable > 0) return;
            CheckControl();
            Hypercalls.SchedPollPorts(_ports, _storePort != null ? 2u : 1u, deadlineNs);
            CheckControl();
        }

        public override ulong MonotonicNs() { return _shared == null ? 0 : XenTime.NowNs(&_shared->vcpu_info0.time); }

        // A TSC value taken before shared_info was mapped, converted with the current record.
        public ulong TscToNs(ulong tsc)
        {
            if (_shared == null) return 0;
            // Handles a time record newer than tsc (negative delta) instead of wrapping.
            return XenTime.TscToNs(&_shared->vcpu_info0.time, tsc);
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
        // The panic path: a dead console backend must not keep a crashing guest alive.
        public override void Crash()
        {
            if (_console != null) _console.Flush(MonotonicNs() + 2000000000UL);
            for (;;) Hypercalls.SchedShutdown(Hypercalls.ShutdownCrash);
        }
    }
}
