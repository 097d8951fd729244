// Why: the event-channel vocabulary a guest without interrupts uses. A port is a numbered
// doorbell shared with another domain: we ring it (EVTCHNOP_send), Xen sets its bit in
// shared_info.evtchn_pending when the other end rings us, and we sleep on a set of ports
// with SCHEDOP_poll and an ABSOLUTE deadline. IEventPort is what a driver sees of its port
// (drivers are tested on .NET with fakes); IEventOps is the hypercall boundary the
// EventRegistry goes through (tests fake it; XenEventOps is the real one).
using System.Runtime.InteropServices;

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

    // Called by EventRegistry.Dispatch when the port's pending bit was found set (and cleared).
    public interface IEventHandler
    {
        void OnEvent(uint port);
    }

    // The event-channel hypercalls, behind an interface so the registry runs on .NET.
    public unsafe interface IEventOps
    {
        XenError Send(uint port);
        XenError Unmask(uint port);
        XenError Close(uint port);
        XenError AllocUnbound(ushort remoteDomid, out uint port);
        // SCHEDOP_poll over count ports until one is pending or the absolute deadline (0 = none).
        XenError Poll(uint* ports, uint count, ulong absoluteDeadlineNs);
        ulong NowNs();
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

    // struct evtchn_send / evtchn_close / evtchn_unmask: each just names the port.
    [StructLayout(LayoutKind.Explicit, Size = 4)]
    public struct EvtchnPortArg
    {
        [FieldOffset(0)] public uint port;
    }

    public unsafe sealed class XenEventOps : IEventOps
    {
        private readonly SharedInfo* shared;

        public XenEventOps(SharedInfo* shared) { this.shared = shared; }

        public XenError Send(uint port) { return PortOp(Hypercalls.EvtchnOpSend, port); }
        public XenError Unmask(uint port) { return PortOp(Hypercalls.EvtchnOpUnmask, port); }
        public XenError Close(uint port) { return PortOp(Hypercalls.EvtchnOpClose, port); }

        private static XenError PortOp(int cmd, uint port)
        {
            EvtchnPortArg* a = stackalloc EvtchnPortArg[1];
            a->port = port;
            return Hypercalls.EventChannelOp(cmd, a);
        }

        public XenError AllocUnbound(ushort remoteDomid, out uint newPort)
        {
            EvtchnAllocUnbound* a = stackalloc EvtchnAllocUnbound[1];
            a->dom = Hypercalls.DomidSelf;
            a->remote_dom = remoteDomid;
            a->port = 0;
            XenError e = Hypercalls.EventChannelOp(EvtchnAllocUnbound.Cmd, a);
            newPort = e == XenError.Ok ? a->port : 0;
            return e;
        }

        public XenError Poll(uint* ports, uint count, ulong absoluteDeadlineNs)
        {
            return Hypercalls.SchedPollPorts(ports, count, absoluteDeadlineNs);
        }

        public ulong NowNs() { return shared == null ? 0 : XenTime.NowNs(&shared->vcpu_info0.time); }
    }
}
