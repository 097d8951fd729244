// Why: one event-channel port as a guest without interrupts uses it: notify the other
// end (EVTCHNOP_send), clear our pending bit atomically (Xen sets bits in the same word
// concurrently), and sleep until it is set again with SCHEDOP_poll and an ABSOLUTE
// deadline. IEventPort lets drivers be tested on .NET with a fake.
using System.Runtime.InteropServices;
using System.Threading;

namespace XenPv.Shim
{
    public interface IEventPort
    {
        void Notify();
        void ClearPending();
        bool IsPending { get; }
        ulong NowNs();
        // Returns when the port is pending or Xen system time reaches the deadline (0 = none).
        void WaitUntil(ulong absoluteDeadlineNs);
    }

    // struct evtchn_alloc_unbound: a fresh port for remote_dom to bind to (netfront, blkfront).
    [StructLayout(LayoutKind.Explicit, Size = 8)]
    public struct EvtchnAllocUnbound
    {
        public const int Cmd = 6;      // EVTCHNOP_alloc_unbound
        [FieldOffset(0)] public ushort dom;
        [FieldOffset(2)] public ushort remote_dom;
        [FieldOffset(4)] public uint port;      // out
    }

    public unsafe sealed class EventChannel : IEventPort
    {
        private readonly uint port;
        private readonly SharedInfo* shared;
        private readonly int word;
        private readonly ulong bit;
        private readonly bool valid;

        public EventChannel(uint port, SharedInfo* shared)
        {
            this.port = port;
            this.shared = shared;
            valid = SharedInfo.PortBit(port, out word, out bit) && shared != null;
        }

        public uint Port { get { return port; } }

        // EVTCHNOP_alloc_unbound for remoteDomid; the new port, or an error.
        public static XenError AllocUnbound(ushort remoteDomid, out uint newPort)
        {
            EvtchnAllocUnbound* a = stackalloc EvtchnAllocUnbound[1];
            a->dom = Hypercalls.DomidSelf;
            a->remote_dom = remoteDomid;
            a->port = 0;
            XenError e = Hypercalls.EventChannelOp(EvtchnAllocUnbound.Cmd, a);
            newPort = e == XenError.Ok ? a->port : 0;
            return e;
        }

        public void Notify() { Hypercalls.EventChannelSend(port); }

        public void ClearPending()
        {
            if (!valid) return;
            Interlocked.And(ref shared->evtchn_pending[word], ~bit);
        }

        public bool IsPending
        {
            get { return valid && (Volatile.Read(ref shared->evtchn_pending[word]) & bit) != 0; }
        }

        public ulong NowNs() { return shared == null ? 0 : XenTime.NowNs(&shared->vcpu_info0.time); }

        public void WaitUntil(ulong absoluteDeadlineNs) { Hypercalls.SchedPoll(port, absoluteDeadlineNs); }
    }
}
