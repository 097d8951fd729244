// Why: the image as a Xen PV guest, built from the XenPv.* pieces: console = XenConsole over
// the shared console ring (batched, one event per flush, waits with SCHEDOP_poll when the
// ring is full), time = Xen system time from vcpu_time_info, waiting = ONE SCHEDOP_poll with
// an ABSOLUTE deadline over every port in the EventRegistry (console and xenstore register),
// frames = XenFrames, power-off/crash = SCHEDOP_shutdown. `xl shutdown`/`xl reboot` and
// `xl mem-set` arrive as xenstore watches (XenControl), checked whenever we wait for input
// and, while Lisp runs, by PollControl (pending bits first: no xenstore traffic when idle).
// The network (OpenNetDevice) is netfront on device/vif/0, adapted by XenNetDevice.
// `xl save`/`restore`/`migrate` arrive as control/shutdown = suspend or, once published, on
// the suspend event channel (SuspendChannel): XenSuspend.cs; after a
// restore Xen system time restarts, so MonotonicNs adds an offset and WaitForInput takes it
// off again before the deadline reaches SCHEDOP_poll.
using XenPv.Console;
using XenPv.Netfront;
using XenPv.Shim;
using XenPv.Xenbus;

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
        // Ports at once: console, xenstore, and room for netfront and a timer (<= 128, SCHEDOP_poll's limit).
        const int EventPorts = 8;
        readonly EventRegistry _events;
        readonly EventPort _consolePort, _storePort;
        readonly XenStore _store;
        readonly XenControl _control;
        bool _storeDeadReported;
        XenNetDevice _net;               // OpenNetDevice: netfront on device/vif/0
        byte* _netPages;                 // netfront's pages (their MFNs change on restore)
        XenSuspend _suspend;             // AttachSuspend: null until the P2M is published
        SuspendChannel _suspendChannel;  // AttachSuspend: device/suspend/event-channel
        long _clockOffsetNs;             // MonotonicNs - Xen system time (moves on restore)
        readonly ulong _createdNs;       // EntryNs's fallback

        public XenPlatform(byte* shared, byte* ring, uint port, ulong nrPages, byte* cmdLine,
            byte* storePage, uint storePort)
        {
            _cmdLine = cmdLine;
            _shared = (SharedInfo*)shared;
            _createdNs = MonotonicNs();
            _nrPages = nrPages;
            Hypercalls.XenVersion(out _verMajor, out _verMinor);
            _events = new EventRegistry((SharedInfo*)shared, new XenEventOps((SharedInfo*)shared), EventPorts);
            _consolePort = _events.Register(port, null);     // the console is read by KernelConsole
            if (ring != null && _consolePort != null) _console = new XenConsole(ring, _consolePort) { WatchCtrlC = true };
            if (storePage != null && shared != null) _storePort = _events.Register(storePort, null);
            if (_storePort != null)
            {
                _store = new XenStore(storePage, _storePort);
                _store.TimeoutNs = 2000000000UL;     // a missing xenstored must not stall boot long
                _storePort.Handler = _store;         // pending -> take the watch events it sent
                _control = new XenControl(_store);
            }
        }

        // The frames arrive once the console exists, so a failure building them prints a reason.
        public void AttachFrames(XenFrames frames) { _frames = frames; }

        // Suspend/resume (xl save, restore, migrate): needs start_info (a boot-region page at
        // virtBase + pfn * 4096), where shared_info is mapped, and the published P2M. Without
        // them a `suspend` request stays unanswered with a notice, as before.
        public void AttachSuspend(StartInfo* si, ulong sharedVa, ulong virtBase)
        {
            if (_frames == null || !_frames.P2mPublished || _control == null || _shared == null) return;
            ulong pfn = ((ulong)si - virtBase) / 4096;
            MachineSuspend m = new MachineSuspend(si, pfn, _shared, sharedVa, _frames, new XenSuspendOps());
            _suspend = new XenSuspend(this, m, si);
            _control.SuspendEnabled = true;
            // libxl's fast path: a port it notifies instead of writing control/shutdown.
            _suspendChannel = new SuspendChannel(_events, _store);
            // Published by StartServices, after the first prompt (a xenstore round trip).
        }

        // device/suspend/event-channel, at boot and again in each new domain; without it the
        // toolstack asks through control/shutdown, which works too (a line says so).
        public void PublishSuspendChannel()
        {
            if (_suspendChannel == null || _suspendChannel.Publish()) return;
            WriteLine("xenstore: no suspend event channel; xl save asks through control/shutdown");
        }

        public void ForgetSuspendChannel() { if (_suspendChannel != null) _suspendChannel.Forget(); }

        // ---- for XenSuspend, after a resume in a new domain ----

        public Netfront NetfrontDevice => _net == null ? null : _net.Netfront;

        // Monotonic time goes on from `before` (the clock when we suspended).
        public void RebaseClock(ulong before) { _clockOffsetNs = (long)before - (long)XenNow(); }

        // The console and xenstore channels got new numbers (start_info); a restore masks
        // every port. False when a port cannot be bound.
        public bool RebindToolstackPorts(uint consolePort, uint storePort)
        {
            _events.Park(_consolePort);
            _events.Park(_storePort);
            bool ok = _consolePort == null || _events.Rebind(_consolePort, consolePort);
            if (_storePort != null && !_events.Rebind(_storePort, storePort)) ok = false;
            _events.UnmaskAll();
            return ok;
        }

        // A new xenstored connection: drop the old one's state, register the watches again.
        public int ResetStore()
        {
            if (_store == null) return 0;
            _storeDeadReported = false;
            return _store.Resume();
        }

        // Netfront again from Initialising with its pages' new MFNs (read from our PTEs,
        // which the restore rewrote).
        public void ReconnectNet()
        {
            Netfront nf = NetfrontDevice;
            if (nf == null || _netPages == null) return;
            ulong* mfns = stackalloc ulong[Netfront.PagesNeeded];
            for (int i = 0; i < Netfront.PagesNeeded; i++) mfns[i] = _frames.MachineFrameOf(_netPages + (ulong)i * 4096);
            NetfrontStatus st = nf.Reconnect(mfns, Netfront.PagesNeeded);
            if (st == NetfrontStatus.Ok) { WriteLine("net: reconnected after the restore"); return; }
            Write("net: not reconnected after the restore: ");
            WriteLine(Netfront.Describe(st));
        }

        // xenstore round trips take a while (5-10 ms each under the lab's TCG): after the
        // first prompt (issue 20). Until then a toolstack request waits: the watches fire
        // once when registered, so a shutdown written meanwhile is still seen.
        public override void StartServices()
        {
            PublishSuspendChannel();
            if (_control != null && _control.Start() != XsError.Ok)
            {
                Write("xenstore: control/shutdown watch not available");
                Write(NewLine);
            }
            // The frames were laid out for XENMEM_memory_map's maximum; the toolstack's
            // memory/static-max should say the same. If not, the balloon cannot reach it.
            ulong staticMax = StaticMaxKiB;
            if (staticMax != 0 && _frames != null && !_frames.AgreesWithStaticMax(staticMax))
            {
                Write("memory: memory/static-max is ");
                WriteDec(staticMax);
                Write(" KiB but the domain's memory map allows ");
                WriteDec(_frames.MaxFrames * 4);
                Write(" KiB: growing stops there");
                Write(NewLine);
            }
        }

        // Called from the VM's safe-point poll: memory reads only unless something is pending.
        // The Xen console has no TIOCGWINSZ: without `cols=` the terminal is asked (CSI 6n,
        // KernelConsole; never waited for).
        public override bool AsksConsoleWidth => OptionNumber("cols", 0) == 0;

        public override void PollControl()
        {
            if (_control == null) return;
            if (!_events.AnyPending() && !_control.HasWork) return;
            _events.Dispatch();
            CheckControl();
        }

        // Netfront on device/vif/0: the grant table (GrantTableFrames frames) and its pages
        // (Netfront.PagesNeeded = 98: rings, 64 rx + 32 tx buffer pages, 392 KiB) in one
        // reservation, the pages committed from the frame pool for good (mapped, so never
        // counted free nor given to the balloon, never moved: not the Lisp heap). Its port
        // joins the registry, so the one SCHEDOP_poll of WaitForInput wakes on network events.
        // Null after one line saying why.
        const uint GrantTableFrames = 1;      // 512 refs, 504 ours: netfront takes 98
        public override LispVm.Net.INetDevice OpenNetDevice()
        {
            if (_net != null) return _net;
            if (_store == null || _frames == null || _store.IsDead)
            {
                WriteLine("net: no xenstore connection, no network");
                return null;
            }
            ulong bytes = (GrantTableFrames + (ulong)Netfront.PagesNeeded) * 4096;
            byte* region = _frames.Reserve(bytes);
            if (region == null)
            {
                WriteLine("net: no address space for the grant table and netfront buffers");
                return null;
            }
            XenError ge;
            GrantTable grants = GrantTable.Map(_frames, region, GrantTableFrames, out ge);
            if (grants == null)
            {
                Write("net: grant table setup failed, error ");
                WriteDec((ulong)(-(long)ge));
                Write(NewLine);
                return null;
            }
            byte* pages = region + GrantTableFrames * 4096;
            ulong pageBytes = (ulong)Netfront.PagesNeeded * 4096;
            if (!_frames.Commit(pages, pageBytes))
            {
                WriteLine("net: no frames for netfront's rings and buffers (392 KiB)");
                return null;
            }
            ulong* mfns = stackalloc ulong[Netfront.PagesNeeded];
            for (int i = 0; i < Netfront.PagesNeeded; i++) mfns[i] = _frames.MachineFrameOf(pages + (ulong)i * 4096);
            Netfront nf = Netfront.Start(_store, _events, grants, pages, mfns, Netfront.PagesNeeded);
            // A suspend unmaps the grant table and sets it up again (even if netfront failed:
            // the table stays mapped).
            if (_suspend != null) _suspend.Machine.AttachGrants(grants);
            if (nf.Status != NetfrontStatus.Ok)
            {
                Write("net: ");
                WriteLine(Netfront.Describe(nf.Status));
                // Nothing granted (or every grant ended): the frames go back to the pool.
                if (!nf.PagesGranted) _frames.Decommit(pages, pageBytes);
                return null;
            }
            _net = new XenNetDevice(nf);
            _netPages = pages;
            return _net;
        }

        // Netfront's counters (NetfrontStats: frames, ring errors, every drop) for (net-stats).
        public override string NetDeviceKind => _net == null ? null : "netfront";
        public override int NetDeviceCounterCount => _net == null ? 0 : NetfrontStats.Count;
        public override string NetDeviceCounterName(int i) { return i >= 0 && i < NetfrontStats.Names.Length ? NetfrontStats.Names[i] : null; }
        public override long NetDeviceCounter(int i) { return _net == null ? 0 : _net.Netfront.Stats.Get(i); }

        // Netfront work waiting that a pending bit no longer shows (Dispatch cleared it).
        bool NetHasWork => _net != null && _net.Netfront.HasWork;
        bool TargetPending => _control != null && _control.TargetChanged;

        public override ulong StaticMaxKiB => _control == null ? 0 : _control.StaticMaxKiB;
        // For drivers that come later (netfront, a timer): register ports here, use xenstore.
        public EventRegistry Events => _events;
        public XenStore Store => _store;

        public override bool TakeMemoryTarget(out ulong targetKiB)
        {
            targetKiB = 0;
            if (_control == null || !_control.TargetChanged) return false;
            _control.TargetChanged = false;
            targetKiB = _control.MemoryTargetKiB;
            return true;
        }
        public override IBalloonFrames BalloonFrames => _frames;

        // Control requests from the toolstack (xl shutdown / xl reboot), notices about values
        // we ignore, and a xenstore connection that died.
        void CheckControl()
        {
            if (_control == null) return;
            ShutdownRequest r = _control.Poll();
            WriteNotices();
            if (_store.IsDead && !_storeDeadReported)
            {
                _storeDeadReported = true;
                WriteLine("xenstore: connection lost (timeout or bad length mid-message); xl shutdown/mem-set no longer seen");
            }
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
            if (r == ShutdownRequest.Suspend && _suspend != null) _suspend.Run();
            else if (_suspendChannel != null && _suspendChannel.TakeRequest() && _suspend != null) _suspend.Run();
        }

        void WriteNotices()
        {
            if (!_control.HasNotices) return;
            byte* b = stackalloc byte[XenControl.NoticeMax];
            int n = _control.TakeNotices(b, XenControl.NoticeMax);
            int start = 0;
            for (int i = 0; i < n; i++)
            {
                if (b[i] != (byte)'\n') continue;
                Write(b + start, i - start);
                Write(NewLine);
                start = i + 1;
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
        // What the domain holds now: the balloon moves frames after boot.
        public override ulong FramesOwned => _frames.OwnedFrames;
        // xenconsoled's pty is raw: the guest edits and echoes lines itself.
        public override bool EnterInteractiveMode() { return _console != null; }
        // The domain's name: xenstore `name`, relative to the domain's home path.
        public override int MachineName(byte* dst, int max)
        {
            if (_store == null) return 0;
            int n = _store.Read("name", dst, max);
            return n > 0 && n <= max ? n : 0;
        }
        // Every frame still free: the first limit, before the VM's start-up objects take theirs;
        // KernelLisp lowers it to what is really left once the library is loaded.
        public override ulong HeapBudget => _frames.FreeFrames * 4096;
        public override ulong FreeFrameBytes => _frames.FreeFrames * 4096;
        public int RingResets => _console == null ? 0 : _console.RingResets;

        public override void Write(byte* p, int n) { if (_console != null) _console.Write(p, n); }
        public override void Flush() { if (_console != null) _console.Flush(); }
        // Echo (KernelConsole) goes through the ordinary (flushing) Write: with no-wait echo a fast paste lost
        // the middle of its echo whenever the 2 KiB ring was full (the lab's transcripts saw
        // `(loop ... (f1,2,3,`). The line discipline stops echoing an over-long line after its
        // first 4 KiB, which bounds the wait; xenconsoled drains the ring even with no client.
        public override int Read(byte* dst, int max) { return _console == null ? 0 : _console.Read(dst, max); }
        // Dispatch clears every registered port's pending bit (xenstore takes its watch events),
        // then we check the console ring and control: an event arriving after the check is
        // still pending and ends the one SCHEDOP_poll over all ports at once. Control work
        // found by the check (a new memory target) returns at once: the event that brought it
        // was consumed by the Dispatch, so it would not end the wait.
        public override void WaitForInput(ulong deadlineNs)
        {
            if (_console == null) return;
            _events.Dispatch();
            CheckControl();
            if (_console.InAvailable > 0 || NetHasWork || TargetPending) return;
            _events.Wait(ToXenTime(deadlineNs));
            _events.Dispatch();
            CheckControl();
        }

        // Xen system time, shifted by what restores took away (see RebaseClock), and never
        // backwards (the first reads in a new domain may still see the old host's record).
        ulong _lastMonotonicNs;
        public override ulong MonotonicNs()
        {
            if (_shared == null) return 0;
            ulong t = (ulong)((long)XenNow() + _clockOffsetNs);
            if (t < _lastMonotonicNs) return _lastMonotonicNs;
            _lastMonotonicNs = t;
            return t;
        }
        ulong XenNow() { return _shared == null ? 0 : XenTime.NowNs(&_shared->vcpu_info0.time); }

        // A deadline on our clock as Xen system time for SCHEDOP_poll (0 stays "none").
        ulong ToXenTime(ulong deadlineNs)
        {
            if (deadlineNs == 0) return 0;
            long x = (long)deadlineNs - _clockOffsetNs;
            return x < 1 ? 1 : (ulong)x;
        }
        public override long UnixTimeNs() { return _shared == null ? 0 : XenTime.WallNs(_shared); }

        // The entry time for the banner's boot figure: the entry TSC converted with the current
        // time record, unless that gives 0, a time after now or more than a minute ago (a
        // record made from another CPU's TSC: CI's lab once printed "boot 810700 ms", Xen's
        // uptime); then the time this platform object was made, a little after entry.
        public ulong EntryNs(ulong tsc0)
        {
            ulong t = TscToNs(tsc0), now = MonotonicNs();
            if (t == 0 || t > now || now - t > 60000000000UL) return _createdNs;
            return t;
        }

        // A TSC value taken before shared_info was mapped, converted with the current record.
        ulong TscToNs(ulong tsc)
        {
            if (_shared == null) return 0;
            // Handles a time record newer than tsc (negative delta) instead of wrapping.
            return XenTime.TscToNs(&_shared->vcpu_info0.time, tsc);
        }

        public ulong Cr2() { return _shared == null ? 0 : _shared->vcpu_info0.arch_cr2; }

        public override byte* Reserve(ulong bytes) { return _frames.Reserve(bytes); }
        public override bool Commit(byte* p, ulong bytes) { return _frames.Commit(p, bytes); }
        public override bool CommitUncleared(byte* p, ulong bytes) { return _frames.Commit(p, bytes, false); }
        public override bool Decommit(byte* p, ulong bytes) { return _frames.Decommit(p, bytes); }

        void Shutdown(uint reason)
        {
            Flush();
            for (;;) Hypercalls.SchedShutdown(reason);
        }

        public override void Exit(int code) { Shutdown(code == 0 ? Hypercalls.ShutdownPoweroff : Hypercalls.ShutdownCrash); }
        // The panic path: a dead console backend must not keep a crashing guest alive. Every
        // flush from the report on (also those Write makes) gives up PanicFlushNs after it began.
        const ulong PanicFlushNs = 2000000000UL;
        public override void BeginPanic()
        {
            // The console measures its waits in Xen system time (the port's clock).
            if (_console != null && _console.GiveUpAtNs == 0) _console.GiveUpAtNs = XenNow() + PanicFlushNs;
        }

        public override void Crash()
        {
            BeginPanic();
            if (_console != null) _console.Flush();
            for (;;) Hypercalls.SchedShutdown(Hypercalls.ShutdownCrash);
        }
    }
}
