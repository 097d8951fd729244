// Why: the face of netfront to the kernel: start it on device/vif/0 (negotiation in
// NetfrontXenbus.cs), then frames in and out (data path in NetfrontRings.cs). Every
// buffer, grant and ring is taken at Start with stated limits; nothing allocates after.
// TODO(netfront helper): the real thing; this stub lets the kernel wiring compile.
namespace XenPv.Netfront
{
    public enum NetfrontStatus
    {
        Ok = 0, NoDevice, BadMac, NoBackend, NoGrants, NoFrames, NoEventChannel,
        XenstoreFailed, BackendFailed, Timeout, Closed,
    }

    public sealed unsafe class Netfront
    {
        public NetfrontStatus Status = NetfrontStatus.NoDevice;
        public bool Connected { get { return false; } }
        public void GetMac(byte* mac) { for (int i = 0; i < 6; i++) mac[i] = 0; }
        /// <summary>Copies one frame into a granted tx buffer and queues it; false when full.</summary>
        public bool Transmit(byte* frame, int length) { return false; }
        /// <summary>Copies the next received frame out: its length, 0 when none.</summary>
        public int Receive(byte* buf, int max) { return 0; }
        /// <summary>Takes completions, refills rx, follows the backend's state; cheap when idle.</summary>
        public void Poll() { }
    }
}
