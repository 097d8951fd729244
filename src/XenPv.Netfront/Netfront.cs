// Why: the face of netfront to the kernel: Start it on device/vif/0 (negotiation in
// NetfrontXenbus.cs), then frames in and out (data path in NetfrontRings.cs). Every
// buffer, grant and ring is taken at Start with stated limits; nothing allocates after.
// Limits: RxBuffers = 64 rx pages (one whole page per buffer, granted writable for good),
// TxPages = 32 tx pages cut in two 2 KiB halves = 64 tx slots (granted read-only for good),
// plus the two ring pages: PagesNeeded = 98 pages = 392 KiB, and 98 grant refs.
// Vocabulary: page = a 4 KiB buffer we own and map; frame = its MFN; ref = grant ref.
using XenPv.Shim;
using XenPv.Shim.Io;
using XenPv.Xenbus;

namespace XenPv.Netfront
{
    public enum NetfrontStatus
    {
        Ok = 0, NoDevice, BadMac, NoBackend, NoGrants, NoFrames, NoEventChannel,
        XenstoreFailed, BackendFailed, Timeout, Closed,
    }

    public sealed unsafe partial class Netfront : IEventHandler
    {
        public const int RxBuffers = 64;
        public const int TxPages = 32;
        public const int TxSlotBytes = 2048;
        public const int TxSlots = TxPages * (4096 / TxSlotBytes);
        public const int RingPages = 2;                                  // tx ring, rx ring
        public const int PagesNeeded = RingPages + RxBuffers + TxPages;  // 98 pages, 392 KiB
        public const int MaxFrame = 1514;                                // MTU 1500 + Ethernet header
        public const int MinFrame = 14;

        public NetfrontStatus Status = NetfrontStatus.NoDevice;
        public NetfrontStats Stats;

        private readonly XenStore xs;
        private readonly EventRegistry events;
        private readonly GrantTable grants;
        private EventPort port;

        // pages: [tx ring, rx ring, rx buffers.., tx buffers..], contiguous; frames: their MFNs.
        private byte* pages;
        private readonly ulong[] frames = new ulong[PagesNeeded];
        private readonly int[] refs = new int[PagesNeeded];    // grant per page, -1 = none
        private readonly byte[] mac = new byte[6];
        private bool granted;                                  // some ref in refs is live

        private Netfront(XenStore xs, EventRegistry events, GrantTable grants)
        {
            this.xs = xs;
            this.events = events;
            this.grants = grants;
            for (int i = 0; i < PagesNeeded; i++) refs[i] = -1;
            InitRings();
        }

        /// <summary>Brings netfront up on device/vif/0: reads the backend and MAC, grants the
        /// rings and buffers (pages: PagesNeeded contiguous mapped pages, pageFrames their
        /// MFNs), posts rx buffers, connects and waits (bounded) for the backend. Never null:
        /// Status says what failed; PagesGranted says whether the pages may be given back.</summary>
        public static Netfront Start(XenStore xs, EventRegistry events, GrantTable grants,
            byte* pages, ulong* pageFrames, int pageCount)
        {
            Netfront nf = new Netfront(xs, events, grants);
            nf.Status = nf.Connect(pages, pageFrames, pageCount);
            return nf;
        }

        /// <summary>False until the backend is Connected, and again once it closes or breaks a ring.</summary>
        public bool Connected { get { return Status == NetfrontStatus.Ok && linkUp && !RingsBroken && !quiesced; } }

        /// <summary>True while some page is granted (or a grant waits on the deferred list): the
        /// pages must not be given back.</summary>
        public bool PagesGranted { get { return granted; } }

        public void GetMac(byte* m) { for (int i = 0; i < 6; i++) m[i] = mac[i]; }

        /// <summary>Copies one frame into a granted tx buffer and queues it; false when full.</summary>
        public bool Transmit(byte* frame, int length) { return SendFrame(frame, length); }

        /// <summary>Copies the next received frame out: its length, 0 when none.</summary>
        public int Receive(byte* buf, int max) { return TakeFrame(buf, max); }

        /// <summary>Takes completions, refills rx, follows the backend's state; cheap when idle
        /// (memory reads only unless a watch fired or a ring moved).</summary>
        public void Poll()
        {
            if (quiesced) return;                        // suspending: touch neither rings nor xenstore
            if (grants.Deferred > 0) RetryRelease();
            FollowBackend();
            if (!Connected) return;
            TakeTxCompletions();
            RefillRx();
        }

        /// <summary>Work waiting without a hypercall: an rx response or a backend watch event.
        /// The platform checks it before it sleeps (Dispatch cleared our pending bit).</summary>
        public bool HasWork
        {
            get { return !quiesced && ((Connected && rx.HasResponses) || (watching && xs.Watches.Fired(Token))); }
        }

        public uint EventChannel { get { return port == null ? EventRegistry.NoPort : port.Port; } }

        // Our port was pending (the registry cleared it): the kernel's pump calls Receive/Poll.
        public void OnEvent(uint p) { Stats.Events++; }

        public static string Describe(NetfrontStatus s)
        {
            switch (s)
            {
                case NetfrontStatus.Ok: return "connected";
                case NetfrontStatus.NoDevice: return "no device/vif/0 (add vif=[...] to the domain config)";
                case NetfrontStatus.BadMac: return "device/vif/0/mac is not a MAC address (6 hex pairs with ':')";
                case NetfrontStatus.NoBackend: return "device/vif/0 has no valid backend or backend-id";
                case NetfrontStatus.NoGrants: return "grant table full";
                case NetfrontStatus.NoFrames: return "no frames for the rings and buffers (392 KiB)";
                case NetfrontStatus.NoEventChannel: return "no event channel for the backend";
                case NetfrontStatus.XenstoreFailed: return "xenstore handshake failed";
                case NetfrontStatus.BackendFailed: return "the backend closed instead of connecting";
                case NetfrontStatus.Timeout: return "the backend did not connect in time";
                default: return "closed by the backend";
            }
        }
    }
}
