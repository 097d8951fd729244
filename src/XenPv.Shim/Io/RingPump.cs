// Why: the one loop that moves a whole message through a ByteRing (xenstore requests and
// replies, console output): copy what fits, and when the ring is full (or empty) notify
// the other end and sleep on the event port in bounded slices until an absolute deadline.
// The other end is notified before every sleep and once when the message is through.
namespace XenPv.Shim.Io
{
    public unsafe struct RingPump
    {
        public int Waits;            // sleeps because the ring was full/empty
        public int Notifications;    // EVTCHNOP_send calls

        // Writes n bytes (write = true) or reads n bytes into p. deadlineNs: absolute Xen time,
        // 0 = as long as it takes. Returns the bytes moved: n, or fewer when the deadline passed
        // or, with a deadline, after maxWaits sleeps (0 = no such bound: a clock that stands
        // still must not keep the panic path waiting forever).
        public int Transfer(ref ByteRing ring, IEventPort port, byte* p, int n, bool write,
            ulong deadlineNs, ulong sliceNs, int maxWaits = 0)
        {
            int done = 0, waits = 0;
            while (done < n)
            {
                // Clear the pending bit before looking at the ring: an event after the look
                // stays pending and ends the sleep below at once.
                port.ClearPending();
                int k = write ? ring.Write(p + done, n - done) : ring.Read(p + done, n - done);
                done += k;
                if (k > 0) continue;
                port.Notify();
                Notifications++;
                ulong now = port.NowNs();
                if (deadlineNs != 0 && (now >= deadlineNs || (maxWaits > 0 && waits >= maxWaits))) return done;
                waits++;
                ulong until = now + sliceNs;
                if (deadlineNs != 0 && until > deadlineNs) until = deadlineNs;
                Waits++;
                port.WaitUntil(until);
            }
            if (n > 0) { port.Notify(); Notifications++; }
            return done;
        }
    }
}
