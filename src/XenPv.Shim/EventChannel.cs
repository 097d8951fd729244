// Why: one event-channel port as a guest without interrupts uses it: notify the other
// end (EVTCHNOP_send), clear our pending bit atomically (Xen sets bits in the same word
// concurrently), and sleep until it is set again with SCHEDOP_poll and an ABSOLUTE
// deadline. IEventPort lets drivers be tested on .NET with a fake.
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
