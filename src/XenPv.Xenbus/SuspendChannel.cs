// Why: the suspend event channel, libxl's fast path for `xl save` / `xl migrate` (issue 20).
// When the guest publishes device/suspend/event-channel (a port left unbound for Dom0), the
// toolstack binds to it and notifies it instead of writing control/shutdown = "suspend" and
// waiting for our acknowledgement (libxl_dom_suspend.c: "issuing PV suspend request via
// event channel"); Xen itself tells the toolstack when we have suspended (it subscribes the
// port with DOMCTL_subscribe), so nothing is sent back on it. A notification only sets a flag:
// the platform takes it where it takes control/shutdown requests. The port dies with the
// domain: after a resume in a new domain Forget drops it locally (closing it could close
// somebody else's new port) and Publish allocates and writes a fresh one; a cancelled
// suspend (`xl save -c`) keeps it. Allocates nothing after construction.
using XenPv.Shim;

namespace XenPv.Xenbus
{
    public sealed unsafe class SuspendChannel : IEventHandler
    {
        public const string Path = "device/suspend/event-channel";
        public const ushort ToolstackDomid = 0;

        private readonly EventRegistry events;
        private readonly XenStore xs;
        private EventPort port;
        private bool requested;
        public XenError LastEventError;
        public XsError LastStoreError;
        public int Requests;

        public SuspendChannel(EventRegistry events, XenStore xs) { this.events = events; this.xs = xs; }

        public bool Published { get { return port != null; } }
        public uint Port { get { return port == null ? EventRegistry.NoPort : port.Port; } }

        // A port unbound for Dom0, then its number under Path. False (nothing left behind)
        // when either fails: the toolstack then uses control/shutdown, as before.
        public bool Publish()
        {
            if (port != null) return true;
            port = events.AllocUnbound(ToolstackDomid, this, out LastEventError);
            if (port == null) return false;
            LastStoreError = xs.WriteNumber(Path, port.Port);
            if (LastStoreError == XsError.Ok) return true;
            events.Close(port);
            port = null;
            return false;
        }

        // The domain is new (restore, migration): the port is gone with the old one.
        public void Forget()
        {
            if (port != null) events.Unregister(port);
            port = null;
            requested = false;
        }

        public void OnEvent(uint p) { requested = true; Requests++; }

        // A suspend asked for by event since the last call.
        public bool TakeRequest()
        {
            if (!requested) return false;
            requested = false;
            return true;
        }
    }
}
