// Why: the one seam between the network stack and a machine (style.md #15): Ethernet frames
// as bytes, in and out. Xen's netfront, a Linux TAP device and the tests' in-memory wire
// implement it; the stack never sees a ring, a grant or a file descriptor.
// A frame is destination MAC .. payload, without preamble or FCS: 14..1514 bytes.
namespace LispVm.Net
{
    public unsafe interface INetDevice
    {
        /// <summary>Writes the device's 6-byte MAC address to mac.</summary>
        void GetMac(byte* mac);
        /// <summary>Largest IP packet (Ethernet payload) the device carries: 1500.</summary>
        int Mtu { get; }
        /// <summary>Queues one frame for sending (copied before return). False when the device
        /// cannot take it now (ring full, link down): the stack counts a drop.</summary>
        bool Transmit(byte* frame, int length);
        /// <summary>Copies the next received frame into buf: its length, 0 when none is waiting.
        /// A frame longer than max is dropped by the device and counted there.</summary>
        int Receive(byte* buf, int max);
    }
}
