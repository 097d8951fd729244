// Why: the image as a Xen PV guest: console on the shared console ring (batched: one event
// per flush; when the ring is full we wait on the port with SCHEDOP_poll), time from the
// vcpu_time_info in shared_info, waiting with SCHEDOP_poll and an ABSOLUTE timeout,
// SCHEDOP_shutdown for power-off and crash. The ring page is hostile input: bad indices
// reset our view, never crash.
namespace LispVm.Kernel
{
    internal sealed unsafe class XenPlatform : Platform
    {
        const long HYPERVISOR_sched_op = 29, HYPERVISOR_xen_version = 17, HYPERVISOR_event_channel_op = 32;
        const long SCHEDOP_shutdown = 2, SCHEDOP_poll = 3, EVTCHNOP_send = 4;
        const uint SHUTDOWN_poweroff = 0, SHUTDOWN_crash = 3;
        // xencons_interface (io/console.h)
        const int InOff = 0, InSize = 1024, OutOff = 1024, OutSize = 2048;
        const int InConsOff = 3072, InProdOff = 3076, OutConsOff = 3080, OutProdOff = 3084;

        readonly byte* _startInfo;
        readonly byte* _shared;
        readonly byte* _ring;
        readonly uint _port;
        readonly ulong _nrPages;
        readonly int _verMajor, _verMinor;
        uint _outProd, _inCons;
        bool _outPending;
        readonly XenFrames _frames;
        public ulong RingResets;

        public XenPlatform(byte* startInfo, byte* shared, byte* ring, uint port, ulong nrPages, XenFrames frames)
        {
            _startInfo = startInfo; _shared = shared; _ring = ring; _port = port; _nrPages = nrPages;
            _frames = frames;
            long v = Hyper.Call(HYPERVISOR_xen_version, 0 /* XENVER_version */, 0, 0, 0, 0);
            if (v > 0) { _verMajor = (int)(v >> 16); _verMinor = (int)(v & 0xffff); }
            if (ring != null)
            {
                _outProd = *(uint*)(ring + OutProdOff);
                _inCons = *(uint*)(ring + InConsOff);
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
        public override ulong OwnedPages => _nrPages;

        uint* OutCons => (uint*)(_ring + OutConsOff);
        uint* OutProd => (uint*)(_ring + OutProdOff);
        uint* InCons => (uint*)(_ring + InConsOff);
        uint* InProd => (uint*)(_ring + InProdOff);

        void Notify()
        {
            uint* send = stackalloc uint[1];
            send[0] = _port;
            Hyper.Call(HYPERVISOR_event_channel_op, EVTCHNOP_send, (long)send, 0, 0, 0);
        }

        public override void Write(byte* p, int n)
        {
            if (_ring == null) return;
            for (int i = 0; i < n; i++)
            {
                for (;;)
                {
                    uint cons = *OutCons;
                    System.Threading.Interlocked.MemoryBarrier();   // read out_cons before reusing slots it frees
                    uint used = _outProd - cons;
                    if (used > OutSize)
                    {
                        // Hostile or corrupt index: restart from the backend's view.
                        _outProd = cons; RingResets++; used = 0;
                    }
                    if (used < OutSize) break;
                    // Full: publish what we have, tell the backend, wait for it to drain.
                    Publish();
                    WaitPort(MonotonicNs() + 50000000UL);
                }
                _ring[OutOff + (_outProd & (OutSize - 1))] = p[i];
                _outProd++;
                _outPending = true;
            }
        }

        void Publish()
        {
            System.Threading.Interlocked.MemoryBarrier();   // write the bytes before publishing out_prod
            *OutProd = _outProd;
            Notify();
            _outPending = false;
        }

        public override void Flush()
        {
            if (_ring != null && _outPending) Publish();
        }

        public override int Read(byte* dst, int max)
        {
            if (_ring == null) return 0;
            uint prod = *InProd;
            System.Threading.Interlocked.MemoryBarrier();   // read in_prod before the bytes it covers
            uint avail = prod - _inCons;
            if (avail > InSize)
            {
                // Hostile index: drop everything and resynchronise.
                _inCons = prod; RingResets++;
                *InCons = _inCons;
                return 0;
            }
            int n = 0;
            while (_inCons != prod && n < max)
            {
                dst[n++] = _ring[InOff + (_inCons & (InSize - 1))];
                _inCons++;
            }
            if (n > 0)
            {
                System.Threading.Interlocked.MemoryBarrier();   // finish reading the bytes before freeing them
                *InCons = _inCons;
                Notify();
            }
            return n;
        }

        // Pending bit for our port in shared_info.evtchn_pending (@2048).
        void ClearPending()
        {
            if (_shared == null) return;
            Native.SyncClearBit((ulong*)(_shared + 2048) + (_port >> 6), _port & 63);
        }

        void WaitPort(ulong deadlineNs)
        {
            uint* port = stackalloc uint[1];
            port[0] = _port;
            ulong* poll = stackalloc ulong[3];      // sched_poll {ports ptr, nr_ports, timeout (absolute ns)}
            poll[0] = (ulong)port; poll[1] = 1; poll[2] = deadlineNs;
            ClearPending();
            Hyper.Call(HYPERVISOR_sched_op, SCHEDOP_poll, (long)poll, 0, 0, 0);
        }

        public override void WaitForInput(ulong deadlineNs)
        {
            if (_ring == null) return;
            uint* port = stackalloc uint[1];
            port[0] = _port;
            ulong* poll = stackalloc ulong[3];
            poll[0] = (ulong)port; poll[1] = 1; poll[2] = deadlineNs;
            ClearPending();
            System.Threading.Interlocked.MemoryBarrier();   // clear the event before rechecking the ring
            if (*InProd != _inCons) return;
            Hyper.Call(HYPERVISOR_sched_op, SCHEDOP_poll, (long)poll, 0, 0, 0);
        }

        // vcpu_time_info of vcpu 0 (@32 in vcpu_info 0): retry while version is odd or changes.
        public ulong TscToNs(ulong tsc)
        {
            if (_shared == null) return 0;
            byte* t = _shared + 32;
            for (;;)
            {
                uint v = *(uint*)t;
                System.Threading.Interlocked.MemoryBarrier();   // read version before the fields
                ulong tscStamp = *(ulong*)(t + 8), system = *(ulong*)(t + 16);
                uint mul = *(uint*)(t + 24);
                sbyte shift = *(sbyte*)(t + 28);
                System.Threading.Interlocked.MemoryBarrier();   // read the fields before re-reading version
                if ((v & 1) != 0 || v != *(uint*)t) continue;
                ulong delta = tsc - tscStamp;
                if ((long)delta < 0) delta = 0;
                if (shift >= 0) delta <<= shift; else delta >>= -shift;
                ulong scaled = (delta >> 32) * mul + (((delta & 0xffffffffUL) * mul) >> 32);
                return system + scaled;
            }
        }

        public override ulong MonotonicNs() { return TscToNs(Native.Rdtsc()); }

        public ulong Cr2() { return _shared == null ? 0 : *(ulong*)(_shared + 16); }

        public override byte* Reserve(ulong bytes) { return _frames.Reserve(bytes); }
        public override bool Commit(byte* p, ulong bytes) { return _frames.Commit(p, bytes); }
        public override bool Decommit(byte* p, ulong bytes) { return _frames.Decommit(p, bytes); }

        void Shutdown(uint reason)
        {
            Flush();
            uint* r = stackalloc uint[1];
            r[0] = reason;
            for (;;) Hyper.Call(HYPERVISOR_sched_op, SCHEDOP_shutdown, (long)r, 0, 0, 0);
        }

        public override void Exit(int code) { Shutdown(code == 0 ? SHUTDOWN_poweroff : SHUTDOWN_crash); }
        public override void Crash() { Shutdown(SHUTDOWN_crash); }
    }
}
