// Why: one event loop for every device (Mini-OS events.c, style.md #14). A port -> handler
// table sized at boot: devices (console, xenstore; netfront and a timer later) register,
// nobody hard-codes the set of ports. Dispatch test-and-clears the pending bits of the
// registered ports and runs their handlers; Wait is ONE SCHEDOP_poll over all of them with
// an absolute deadline; AnyPending reads evtchn_pending & ~evtchn_mask for the registered
// ports only (no hypercall), cheap enough for the VM's safe-point poll.
// Limits: Capacity ports at once (the platform asks for a handful), never more than
// MaxPollPorts = 128 (SCHEDOP_poll rejects larger sets). Registering allocates nothing.
using System.Threading;

namespace XenPv.Shim
{
    public unsafe sealed class EventRegistry
    {
        public const int MaxPollPorts = 128;
        public const uint NoPort = 0xFFFFFFFF;

        private readonly SharedInfo* shared;
        private readonly IEventOps ops;
        private readonly EventPort[] slots;          // one handle per slot, created at boot
        private readonly uint[] pollList;            // the registered ports, compact, for SCHEDOP_poll
        private readonly ulong[] registered;         // per evtchn_pending word: bits of registered ports
        private readonly bool[] parked;              // slot kept for its owner, no port for now (Park)
        private int pollCount;

        public EventRegistry(SharedInfo* shared, IEventOps ops, int capacity)
        {
            this.shared = shared;
            this.ops = ops;
            if (capacity < 1) capacity = 1;
            if (capacity > MaxPollPorts) capacity = MaxPollPorts;
            slots = new EventPort[capacity];
            pollList = new uint[capacity];
            registered = new ulong[SharedInfo.EvtchnWords];
            parked = new bool[capacity];
            for (int i = 0; i < capacity; i++) slots[i] = new EventPort(this, ops);
        }

        public int Capacity { get { return slots.Length; } }
        public int Count { get { return pollCount; } }
        public IEventOps Ops { get { return ops; } }

        // Adds port with an optional handler; null when the table is full, the port is out of
        // range or already registered.
        public EventPort Register(uint port, IEventHandler handler)
        {
            int word;
            ulong bit;
            if (!SharedInfo.PortBit(port, out word, out bit) || (registered[word] & bit) != 0) return null;
            for (int i = 0; i < slots.Length; i++)
            {
                if (slots[i].Port != NoPort || parked[i]) continue;
                slots[i].Port = port;
                slots[i].Handler = handler;
                registered[word] |= bit;
                Rebuild();
                return slots[i];
            }
            return null;
        }

        public void Unregister(EventPort p)
        {
            if (p == null || p.Port == NoPort) return;
            int word;
            ulong bit;
            if (SharedInfo.PortBit(p.Port, out word, out bit)) registered[word] &= ~bit;
            p.Handler = null;
            p.Port = NoPort;
            Rebuild();
        }

        private void Rebuild()
        {
            pollCount = 0;
            for (int i = 0; i < slots.Length; i++)
                if (slots[i].Port != NoPort) pollList[pollCount++] = slots[i].Port;
        }

        // After a resume the toolstack gives the same channels new numbers (xenstore and
        // console from start_info): the slot, and every driver holding it, keeps its
        // EventPort. Park every such slot first (an old number may be another's new one),
        // then Rebind each. Rebind is false when the port is out of range or taken.
        public void Park(EventPort p)
        {
            int word;
            ulong bit;
            if (p == null) return;
            int i = SlotOf(p);
            if (i < 0) return;
            if (p.Port != NoPort && SharedInfo.PortBit(p.Port, out word, out bit)) registered[word] &= ~bit;
            p.Port = NoPort;
            parked[i] = true;
            Rebuild();
        }

        public bool Rebind(EventPort p, uint newPort)
        {
            int word, oldWord;
            ulong bit, oldBit;
            int i = SlotOf(p);
            if (i < 0 || !SharedInfo.PortBit(newPort, out word, out bit)) return false;
            if (p.Port == newPort) return true;
            if ((registered[word] & bit) != 0) return false;
            if (p.Port != NoPort && SharedInfo.PortBit(p.Port, out oldWord, out oldBit)) registered[oldWord] &= ~oldBit;
            registered[word] |= bit;
            p.Port = newPort;
            parked[i] = false;
            Rebuild();
            return true;
        }

        private int SlotOf(EventPort p)
        {
            for (int i = 0; i < slots.Length; i++) if (slots[i] == p) return i;
            return -1;
        }

        // A restore masks every port (evtchn_mask all ones): unmask every registered one.
        // Returns how many unmask calls failed.
        public int UnmaskAll()
        {
            int failed = 0;
            for (int i = 0; i < pollCount; i++)
                if (ops.Unmask(pollList[i]) != XenError.Ok) failed++;
            return failed;
        }

        // EVTCHNOP_alloc_unbound for remoteDomid, registered with handler; null on failure
        // (error in err; a port we cannot register is closed again).
        public EventPort AllocUnbound(ushort remoteDomid, IEventHandler handler, out XenError err)
        {
            uint port;
            err = ops.AllocUnbound(remoteDomid, out port);
            if (err != XenError.Ok) return null;
            EventPort p = Register(port, handler);
            if (p == null) { ops.Close(port); err = XenError.ENOSPC; }
            return p;
        }

        // EVTCHNOP_close, then forget the port.
        public XenError Close(EventPort p)
        {
            if (p == null || p.Port == NoPort) return XenError.EINVAL;
            XenError e = ops.Close(p.Port);
            Unregister(p);
            return e;
        }

        public XenError Unmask(EventPort p)
        {
            if (p == null || p.Port == NoPort) return XenError.EINVAL;
            return ops.Unmask(p.Port);
        }

        // Atomically clears the port's pending bit (Xen sets bits in the same word
        // concurrently); true if it was set.
        public bool TestAndClear(uint port)
        {
            int word;
            ulong bit;
            if (shared == null || !SharedInfo.PortBit(port, out word, out bit)) return false;
            return (Interlocked.And(ref shared->evtchn_pending[word], ~bit) & bit) != 0;
        }

        public bool IsPending(uint port)
        {
            int word;
            ulong bit;
            if (shared == null || !SharedInfo.PortBit(port, out word, out bit)) return false;
            return (Volatile.Read(ref shared->evtchn_pending[word]) & bit) != 0;
        }

        // Any registered, unmasked port pending? Memory reads only (no hypercall).
        public bool AnyPending()
        {
            if (shared == null) return false;
            for (int i = 0; i < pollCount; i++)
            {
                int w = (int)(pollList[i] >> 6);
                ulong live = registered[w] & ~Volatile.Read(ref shared->evtchn_mask[w]);
                if ((Volatile.Read(ref shared->evtchn_pending[w]) & live) != 0) return true;
            }
            return false;
        }

        // Test-and-clears every registered port and runs the handler of each one that was
        // pending. Returns how many were. Clear before the handler looks at its ring: an event
        // that arrives meanwhile stays pending for the next Dispatch or Wait.
        public int Dispatch()
        {
            int fired = 0;
            for (int i = 0; i < slots.Length; i++)
            {
                uint port = slots[i].Port;
                if (port == NoPort || !TestAndClear(port)) continue;
                fired++;
                IEventHandler h = slots[i].Handler;
                if (h != null) h.OnEvent(port);
            }
            return fired;
        }

        // ONE SCHEDOP_poll over every registered port: returns when one is pending (at once if
        // one already is) or Xen time reaches the absolute deadline (0 = no deadline).
        public XenError Wait(ulong absoluteDeadlineNs)
        {
            if (pollCount == 0) return XenError.EINVAL;
            fixed (uint* p = pollList) return ops.Poll(p, (uint)pollCount, absoluteDeadlineNs);
        }

        public ulong NowNs() { return ops.NowNs(); }
    }
}
