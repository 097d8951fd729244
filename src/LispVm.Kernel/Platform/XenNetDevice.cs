// Why: netfront (XenPv.Netfront) seen by the network stack as LispVm.Net.INetDevice: whole
// Ethernet frames in and out, MTU 1500. Receive first lets netfront take tx completions,
// refill rx and follow the backend's state (cheap when idle), so the stack's pump is all the
// driver needs. XenPlatform.OpenNetDevice builds it.
using LispVm.Net;
using XenPv.Netfront;

namespace LispVm.Kernel
{
    internal sealed unsafe class XenNetDevice : INetDevice
    {
        readonly Netfront _nf;

        public XenNetDevice(Netfront nf) { _nf = nf; }

        // Counters and state for (net-stats): NetfrontStats.Names/Get list them.
        public Netfront Netfront => _nf;

        public void GetMac(byte* mac) { _nf.GetMac(mac); }
        public int Mtu => 1500;
        public bool Transmit(byte* frame, int length) { return _nf.Transmit(frame, length); }

        public int Receive(byte* buf, int max)
        {
            _nf.Poll();
            return _nf.Receive(buf, max);
        }
    }
}
