// Why: netfront's negotiation with netback over xenstore (Unikraft netfront_xs.c, Mini-OS
// netfront.c): read device/vif/0 backend, backend-id and mac (hostile: validated), alloc an
// unbound event channel, grant rings and buffers, post rx buffers, then ONE transaction with
// the ring refs, the channel and our features (rx-copy, rx-notify, no checksum offload, no
// SG/GSO/multi-queue) and state=Connected, retried on EAGAIN; then wait, bounded, for the
// backend's Connected. Step is the one transition function of our XenbusState against the
// backend's, including `xl network-detach`: backend Closing -> we write Closing then Closed
// and stop using the rings; backend Closed (or gone) -> grants are ended (busy ones deferred).
using XenPv.Shim;
using XenPv.Xenbus;

namespace XenPv.Netfront
{
    public sealed unsafe partial class Netfront : IXsTransaction
    {
        public const string Device = "device/vif/0";
        public const string Token = "lispvm/netfront";
        public const ulong ConnectTimeoutNs = 20000000000UL;    // 20 s: hotplug scripts are slow under TCG
        public const ulong WaitSliceNs = 50000000UL;            // re-check xenstore every 50 ms at most
        public const int MaxWaitTurns = (int)(ConnectTimeoutNs / WaitSliceNs) * 4;   // early wake-ups too
        public const int MaxPath = 120;                         // backend path bytes we accept

        private readonly byte[] statePath = new byte[MaxPath + 8];   // "<backend>/state"
        private int statePathLength;
        private ushort backendId;
        private XenbusState front = XenbusState.Initialising;
        private XenbusState backendState = XenbusState.Unknown;
        private bool linkUp, watching, released;
        private bool backendGone;                               // its directory was removed (detach done)

        public XenbusState FrontState { get { return front; } }
        public XenbusState BackendState { get { return backendState; } }
        public ushort BackendId { get { return backendId; } }

        private NetfrontStatus Connect(byte* pageBase, ulong* pageFrames, int pageCount)
        {
            NetfrontStatus s = ReadConfig();
            if (s != NetfrontStatus.Ok) return s;
            int be = ReadBackendState();
            if (be == (int)XenbusState.Closing || be == (int)XenbusState.Closed) return NetfrontStatus.BackendFailed;
            if (pageBase == null || pageFrames == null || pageCount < PagesNeeded) return NetfrontStatus.NoFrames;
            for (int i = 0; i < PagesNeeded; i++)
            {
                if (pageFrames[i] == XenMem.InvalidMfn || pageFrames[i] > 0xFFFFFFFFUL) return NetfrontStatus.NoFrames;
                frames[i] = pageFrames[i];
            }
            pages = pageBase;

            XenError err;
            port = events.AllocUnbound(backendId, this, out err);
            if (port == null) return NetfrontStatus.NoEventChannel;
            for (int i = 0; i < PagesNeeded; i++)
            {
                // Rings and rx buffers: the backend writes them; tx buffers it only reads.
                refs[i] = grants.Grant(backendId, frames[i], i >= FirstTxPage);
                if (refs[i] < 0) { Release(); return NetfrontStatus.NoGrants; }
                granted = true;
            }
            StartRings();
            RefillRx();                                  // rx buffers posted BEFORE we say Connected

            XsError e = xs.Transaction(this);
            if (e != XsError.Ok) { Release(); return NetfrontStatus.XenstoreFailed; }
            front = XenbusState.Connected;
            fixed (byte* p = statePath) watching = xs.Watch(p, statePathLength, Token) == XsError.Ok;
            return WaitForBackend();
        }

        // The transaction body: every key netback reads, then our state, committed together.
        public XsError Body(XenStore s)
        {
            XsError e;
            if ((e = s.WriteNumber("device/vif/0/tx-ring-ref", refs[TxRingPage])) != XsError.Ok) return e;
            if ((e = s.WriteNumber("device/vif/0/rx-ring-ref", refs[RxRingPage])) != XsError.Ok) return e;
            if ((e = s.WriteNumber("device/vif/0/event-channel", port.Port)) != XsError.Ok) return e;
            if ((e = s.Write("device/vif/0/request-rx-copy", "1")) != XsError.Ok) return e;
            if ((e = s.Write("device/vif/0/feature-rx-notify", "1")) != XsError.Ok) return e;
            if ((e = s.Write("device/vif/0/feature-no-csum-offload", "1")) != XsError.Ok) return e;
            if ((e = s.Write("device/vif/0/feature-sg", "0")) != XsError.Ok) return e;
            if ((e = s.Write("device/vif/0/feature-gso-tcpv4", "0")) != XsError.Ok) return e;
            return s.WriteNumber("device/vif/0/state", (long)XenbusState.Connected);
        }

        // Waits (bounded in time and turns) until Step sees the backend Connected.
        private NetfrontStatus WaitForBackend()
        {
            ulong deadline = events.NowNs() + ConnectTimeoutNs;
            bool look = true;
            for (int turn = 0; turn < MaxWaitTurns; turn++)
            {
                if (look || !watching || xs.TakeWatch(Token))
                {
                    look = false;
                    int be = ReadBackendState();
                    if (be >= 0) Step((XenbusState)be);
                    if (linkUp) return NetfrontStatus.Ok;
                    if (front != XenbusState.Connected) return NetfrontStatus.BackendFailed;
                }
                if (xs.IsDead) return NetfrontStatus.XenstoreFailed;
                ulong now = events.NowNs();
                if (now >= deadline) break;
                ulong until = now + WaitSliceNs < deadline ? now + WaitSliceNs : deadline;
                events.Wait(until);
                events.Dispatch();
            }
            return NetfrontStatus.Timeout;
        }

        // Poll: only when a watch event is waiting (memory reads otherwise).
        private void FollowBackend()
        {
            if (!watching || !(xs.HasInput || xs.Watches.AnyFired)) return;
            if (!xs.TakeWatch(Token)) return;
            int be = ReadBackendState();
            if (be >= 0) Step((XenbusState)be);
        }

        /// <summary>The one transition function: our state against the backend's new one.</summary>
        private void Step(XenbusState be)
        {
            backendState = be;
            switch (front)
            {
                case XenbusState.Connected:
                    if (be == XenbusState.Connected) { linkUp = true; break; }
                    linkUp = false;                      // anything else: no traffic until Connected again
                    if (be == XenbusState.Closing || be == XenbusState.Closed)
                    {
                        ringsLive = false;               // stop using the rings before we say so
                        SwitchFront(XenbusState.Closing);
                        SwitchFront(XenbusState.Closed);
                        if (Status == NetfrontStatus.Ok) Status = NetfrontStatus.Closed;
                        if (be == XenbusState.Closed) Release();
                    }
                    break;
                case XenbusState.Closed:
                    if (be == XenbusState.Closed) Release();   // the backend let go of the rings
                    break;
                default:
                    break;                               // Initialising: nothing written yet
            }
        }

        private void SwitchFront(XenbusState s)
        {
            byte* b = stackalloc byte[20];
            int n = XenStore.FormatDecimal((long)s, b);
            // After the toolstack removed the devices, writing would recreate a stray key.
            if (!backendGone) xs.Write("device/vif/0/state", b, n);
            front = s;
        }

        // Ends every grant (a busy one waits on the grant table's deferred list), closes the
        // event channel, drops the watch. Idempotent.
        private void Release()
        {
            if (released) return;
            released = true;
            ringsLive = false;
            linkUp = false;
            if (watching)
            {
                fixed (byte* p = statePath) xs.Unwatch(p, statePathLength, Token);
                watching = false;
            }
            if (port != null) { events.Close(port); port = null; }
            bool left = false;
            for (int i = 0; i < PagesNeeded; i++)
            {
                if (refs[i] < 0) continue;
                if (grants.EndAccessOrDefer(refs[i])) refs[i] = -1;
                else left = true;
            }
            granted = left;
        }

        // Poll: deferred grants the backend has let go of since.
        private void RetryRelease()
        {
            grants.RetryDeferred();
            if (!released) return;
            bool left = false;
            for (int i = 0; i < PagesNeeded; i++)
            {
                if (refs[i] < 0) continue;
                if (grants.IsDeferred(refs[i])) left = true;
                else refs[i] = -1;
            }
            granted = left;
        }

        // The backend's state, Closed when its directory is gone, -1 when unreadable or garbled.
        private int ReadBackendState()
        {
            byte* v = stackalloc byte[8];
            int n;
            fixed (byte* p = statePath) n = xs.Read(p, statePathLength, v, 8);
            backendGone = n == (int)XsError.ENOENT;
            if (backendGone) return (int)XenbusState.Closed;
            if (n <= 0) return -1;
            if (v[n - 1] == 0) n--;
            if (n != 1 || v[0] < (byte)'0' || v[0] > (byte)'6') return -1;
            return v[0] - '0';
        }

        private NetfrontStatus ReadConfig()
        {
            byte* v = stackalloc byte[MaxPath + 2];
            int n = xs.Read("device/vif/0/backend", v, MaxPath + 2);
            if (n == (int)XsError.ENOENT) return NetfrontStatus.NoDevice;
            if (n < 0) return NetfrontStatus.XenstoreFailed;
            if (n > 0 && v[n - 1] == 0) n--;
            if (n < 2 || n > MaxPath || v[0] != (byte)'/') return NetfrontStatus.NoBackend;
            for (int i = 0; i < n; i++)
            {
                if (v[i] <= 32 || v[i] > 126) return NetfrontStatus.NoBackend;
                statePath[i] = v[i];
            }
            const string suffix = "/state";
            for (int i = 0; i < suffix.Length; i++) statePath[n + i] = (byte)suffix[i];
            statePathLength = n + suffix.Length;

            n = xs.Read("device/vif/0/backend-id", v, 16);
            ulong id;
            if (n < 0 || !ParseDecimal(v, n, out id) || id >= Hypercalls.DomidSelf) return NetfrontStatus.NoBackend;
            backendId = (ushort)id;

            n = xs.Read("device/vif/0/mac", v, 32);
            if (n < 0) return NetfrontStatus.BadMac;
            fixed (byte* m = mac) if (!ParseMac(v, n, m)) return NetfrontStatus.BadMac;
            return NetfrontStatus.Ok;
        }

        /// <summary>Digits only (one trailing NUL tolerated), at most 9 of them.</summary>
        public static bool ParseDecimal(byte* v, int n, out ulong value)
        {
            value = 0;
            if (n > 0 && v[n - 1] == 0) n--;
            if (n < 1 || n > 9) return false;
            for (int i = 0; i < n; i++)
            {
                if (v[i] < (byte)'0' || v[i] > (byte)'9') return false;
                value = value * 10 + (ulong)(v[i] - '0');
            }
            return true;
        }

        /// <summary>"xx:xx:xx:xx:xx:xx": 6 hex pairs with ':' (one trailing NUL tolerated).</summary>
        public static bool ParseMac(byte* v, int n, byte* mac)
        {
            if (n > 0 && v[n - 1] == 0) n--;
            if (n != 17) return false;
            for (int i = 0; i < 6; i++)
            {
                int hi = Hex(v[i * 3]), lo = Hex(v[i * 3 + 1]);
                if (hi < 0 || lo < 0) return false;
                if (i < 5 && v[i * 3 + 2] != (byte)':') return false;
                mac[i] = (byte)(hi * 16 + lo);
            }
            return true;
        }

        private static int Hex(byte c)
        {
            if (c >= (byte)'0' && c <= (byte)'9') return c - '0';
            if (c >= (byte)'a' && c <= (byte)'f') return c - 'a' + 10;
            if (c >= (byte)'A' && c <= (byte)'F') return c - 'A' + 10;
            return -1;
        }
    }
}
