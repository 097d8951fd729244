// Why: netfront across a suspend (`xl save`, `xl migrate`). Quiesce stops the data path (no
// tx, no rx, no notifications) while the toolstack saves the domain; a cancelled suspend
// (`xl save -c`) goes on with the same connection (Unquiesce). In a new domain nothing of the
// connection exists: the backend is a new one (its path names the new domid), the grant
// table is empty, our event channel is gone and our pages have new MFNs. ForgetChannel drops
// the stale port locally (closing it could close someone else's new port) before the platform
// rebinds the others; Reconnect starts over from Initialising exactly like boot, with the same
// pages at their new MFNs and fresh rings. The MAC is read again (the toolstack keeps it);
// frames in flight are lost and left to TCP. Nothing allocates.
using XenPv.Shim;
using XenPv.Xenbus;

namespace XenPv.Netfront
{
    public sealed unsafe partial class Netfront
    {
        private bool quiesced;

        /// <summary>True between Quiesce and Unquiesce/Reconnect: no traffic.</summary>
        public bool Quiesced { get { return quiesced; } }
        /// <summary>Reconnections after a resume in a new domain.</summary>
        public int Reconnects;

        /// <summary>Stops the data path before the domain suspends.</summary>
        public void Quiesce() { quiesced = true; }

        /// <summary>The suspend was cancelled: same domain, same backend, same grants.</summary>
        public void Unquiesce() { quiesced = false; }

        /// <summary>Resumed in a new domain: forgets our event channel without closing it.</summary>
        public void ForgetChannel()
        {
            if (port == null) return;
            events.Unregister(port);
            port = null;
        }

        /// <summary>Resumed in a new domain: negotiates again from Initialising with the same
        /// pages (pageFrames: their new MFNs). The grant table must have been reset. Returns
        /// (and sets) Status, as Start does.</summary>
        public NetfrontStatus Reconnect(ulong* pageFrames, int pageCount)
        {
            ForgetChannel();
            if (watching)
            {
                fixed (byte* p = statePath) xs.Unwatch(p, statePathLength, Token);   // the old backend's path
                watching = false;
            }
            for (int i = 0; i < PagesNeeded; i++) refs[i] = -1;     // the old table is gone with the domain
            granted = false;
            released = false;
            linkUp = false;
            backendGone = false;
            ringsLive = false;
            front = XenbusState.Initialising;
            backendState = XenbusState.Unknown;
            for (int i = 0; i < RxBuffers; i++) rxPosted[i] = false;
            rxPostedCount = 0;
            txFreeCount = 0;
            for (int i = TxSlots - 1; i >= 0; i--) { txInFlight[i] = false; txFree[txFreeCount++] = i; }
            quiesced = false;
            Reconnects++;
            Status = Connect(pages, pageFrames, pageCount);
            return Status;
        }
    }
}
