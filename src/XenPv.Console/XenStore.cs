// Why: the xenstore client (io/xs_wire.h) on the same ByteRing as the console: read and
// write keys, watch them (control/shutdown, memory/target). A message (16-byte header +
// up to 4096 bytes) is larger than the 1 KiB ring, so requests and replies are streamed
// in pieces, sleeping on the event channel when the ring is full/empty. Every wait has a
// deadline. Replies are hostile input: a bad length or unknown id never overruns a buffer.
// Lab check (Xen 4.17 xenstored): read/directory/ENOENT, a transaction commit, a 1500-byte
// value streamed both ways, E2BIG for 3000 bytes (quota) with the stream still in sync.
using XenPv.Shim;

namespace XenPv.Console
{
    public enum XsType : uint
    {
        Directory = 1, Read = 2, Watch = 4, Unwatch = 5, TransactionStart = 6, TransactionEnd = 7,
        Write = 11, Rm = 13, WatchEvent = 15, Error = 16,
    }

    public enum XsError
    {
        Ok = 0, ENOENT = -2, EACCES = -13, EEXIST = -17, EINVAL = -22, ENOSPC = -28, EAGAIN = -11,
        EBUSY = -16, E2BIG = -7, EQUOTA = -122, EROFS = -30, OtherError = -1000, Timeout = -1001, TooLong = -1002, Protocol = -1003,
    }

    public unsafe sealed class XenStore
    {
        public const int HeaderSize = 16;
        public const int MaxPayload = 4096;
        public const int MaxWatchEvents = 8;
        public const int EventSlot = 512;                    // queued events keep at most 508 bytes
        public const ulong DefaultTimeoutNs = 5000000000UL;   // 5 s per request
        public const ulong WaitSliceNs = 10000000UL;          // poll slices of 10 ms

        private ByteRing ring;
        private readonly IEventPort port;
        private readonly byte[] msg = new byte[HeaderSize + MaxPayload];
        private readonly byte[] events = new byte[MaxWatchEvents * EventSlot];
        private int eventCount, eventFirst;
        private uint nextId = 1;
        private uint txId;                       // 0 = no transaction
        public ulong TimeoutNs = DefaultTimeoutNs;
        public int DroppedReplies, DroppedEvents;

        public XenStore(byte* page, IEventPort port)
        {
            ring = new ByteRing(page, RingLayout.Xenstore);
            this.port = port;
        }

        public int RingResets { get { return ring.Resets; } }

        // ---- public operations ----

        // READ: copies the value (not NUL-terminated) into value; returns its length or an XsError (< 0).
        public int Read(string path, byte* value, int max)
        {
            int n = PutPath(path, 0);
            if (n < 0) return n;
            int r = Call(XsType.Read, n);
            if (r < 0) return r;
            int k = r < max ? r : max;
            fixed (byte* m = msg) for (int i = 0; i < k; i++) value[i] = m[HeaderSize + i];
            return k;
        }

        // WRITE: value bytes follow the path's NUL, with no NUL after them.
        public XsError Write(string path, byte* value, int length)
        {
            int n = PutPath(path, 0);
            if (n < 0) return (XsError)n;
            if (n + length > MaxPayload) return XsError.TooLong;
            for (int i = 0; i < length; i++) msg[HeaderSize + n + i] = value[i];
            int r = Call(XsType.Write, n + length);
            return r < 0 ? (XsError)r : XsError.Ok;
        }

        public XsError Write(string path, string value)
        {
            byte* v = stackalloc byte[256];
            if (value.Length > 256) return XsError.TooLong;
            for (int i = 0; i < value.Length; i++) v[i] = (byte)value[i];
            return Write(path, v, value.Length);
        }

        // WATCH path token: Xen fires one event at once, then one per change.
        public XsError Watch(string path, string token)
        {
            int n = PutPath(path, 0);
            if (n < 0) return (XsError)n;
            int t = PutPath(token, n);
            if (t < 0) return (XsError)t;
            int r = Call(XsType.Watch, t);
            return r < 0 ? (XsError)r : XsError.Ok;
        }

        // DIRECTORY: the child names, each followed by a NUL; returns the length or an XsError.
        public int Directory(string path, byte* names, int max)
        {
            int n = PutPath(path, 0);
            if (n < 0) return n;
            int r = Call(XsType.Directory, n);
            if (r < 0) return r;
            int k = r < max ? r : max;
            fixed (byte* m = msg) for (int i = 0; i < k; i++) names[i] = m[HeaderSize + i];
            return k;
        }

        // TRANSACTION_START: later requests run inside it until End. One at a time.
        public XsError StartTransaction()
        {
            if (txId != 0) return XsError.EBUSY;
            msg[HeaderSize] = 0;
            int r = Call(XsType.TransactionStart, 1);
            if (r < 0) return (XsError)r;
            uint id = 0;
            for (int i = 0; i < r && msg[HeaderSize + i] != 0; i++)
            {
                byte c = msg[HeaderSize + i];
                if (c < (byte)'0' || c > (byte)'9' || id > 400000000) return XsError.Protocol;
                id = id * 10 + (uint)(c - '0');
            }
            if (id == 0) return XsError.Protocol;
            txId = id;
            return XsError.Ok;
        }

        // TRANSACTION_END: commit (or abort). EAGAIN means another writer won: redo the transaction.
        public XsError EndTransaction(bool commit)
        {
            if (txId == 0) return XsError.EINVAL;
            msg[HeaderSize] = commit ? (byte)'T' : (byte)'F';
            msg[HeaderSize + 1] = 0;
            int r = Call(XsType.TransactionEnd, 2);
            txId = 0;
            return r < 0 ? (XsError)r : XsError.Ok;
        }

        public bool InTransaction { get { return txId != 0; } }

        // Takes the oldest queued watch event ("path\0token\0"); returns its length, 0 if none.
        // Non-blocking apart from draining what the ring already holds.
        public int NextWatchEvent(byte* buffer, int max)
        {
            Pump();
            if (eventCount == 0) return 0;
            int slot = eventFirst * EventSlot;
            int len = events[slot] | events[slot + 1] << 8 | events[slot + 2] << 16;
            int k = len < max ? len : max;
            for (int i = 0; i < k; i++) buffer[i] = events[slot + 4 + i];
            eventFirst = (eventFirst + 1) % MaxWatchEvents;
            eventCount--;
            return k;
        }

        // Watch events ready to take (drains complete events already in the ring first).
        public int PendingWatchEvents { get { Pump(); return eventCount; } }

        // ---- protocol ----

        // Writes s plus a NUL into the payload at offset; returns the new payload length.
        private int PutPath(string s, int offset)
        {
            if (offset + s.Length + 1 > MaxPayload) return (int)XsError.TooLong;
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (c == 0 || c > 126) return (int)XsError.EINVAL;
                msg[HeaderSize + offset + i] = (byte)c;
            }
            msg[HeaderSize + offset + s.Length] = 0;
            return offset + s.Length + 1;
        }

        private static uint U32(byte* p) { return (uint)(p[0] | p[1] << 8 | p[2] << 16 | p[3] << 24); }
        private static void PutU32(byte* p, uint v) { p[0] = (byte)v; p[1] = (byte)(v >> 8); p[2] = (byte)(v >> 16); p[3] = (byte)(v >> 24); }

        // Sends msg (header filled here) and waits for the reply with the same id.
        // Returns the reply payload length (payload in msg after the header) or an XsError.
        private int Call(XsType type, int payloadLength)
        {
            uint id = nextId++;
            ulong deadline = port.NowNs() + TimeoutNs;
            fixed (byte* m = msg)
            {
                PutU32(m, (uint)type);
                PutU32(m + 4, id);
                PutU32(m + 8, txId);            // 0 outside a transaction
                PutU32(m + 12, (uint)payloadLength);
                if (!Send(m, HeaderSize + payloadLength, deadline)) return (int)XsError.Timeout;
                for (;;)
                {
                    if (!Receive(m, HeaderSize, deadline)) return (int)XsError.Timeout;
                    uint rtype = U32(m), rid = U32(m + 4), len = U32(m + 12);
                    if (len > MaxPayload)
                    {
                        // Impossible length: the stream is out of sync, we cannot find the next header.
                        DroppedReplies++;
                        return (int)XsError.Protocol;
                    }
                    if (!Receive(m + HeaderSize, (int)len, deadline)) return (int)XsError.Timeout;
                    if (rtype == (uint)XsType.WatchEvent) { Stash(m + HeaderSize, (int)len); continue; }
                    if (rid != id) { DroppedReplies++; continue; }
                    if (rtype == (uint)XsType.Error) return (int)ErrorCode(m + HeaderSize, (int)len);
                    return (int)len;
                }
            }
        }

        private void Stash(byte* payload, int len)
        {
            if (eventCount == MaxWatchEvents) { DroppedEvents++; return; }
            int slot = ((eventFirst + eventCount) % MaxWatchEvents) * EventSlot;
            if (len > EventSlot - 4) len = EventSlot - 4;
            events[slot] = (byte)len; events[slot + 1] = (byte)(len >> 8); events[slot + 2] = (byte)(len >> 16); events[slot + 3] = 0;
            for (int i = 0; i < len; i++) events[slot + 4 + i] = payload[i];
            eventCount++;
        }

        // Drains complete watch events already in the ring (never waits).
        private void Pump()
        {
            byte* h = stackalloc byte[HeaderSize];
            fixed (byte* m = msg)
            {
                while (ring.InAvailable >= HeaderSize)
                {
                    // Only consume when the whole message is there, so nothing is left half-read.
                    if (!PeekHeader(h)) return;
                    uint len = U32(h + 12);
                    if (len > MaxPayload) { DroppedReplies++; ring.Read(m, ring.InAvailable); return; }
                    if (HeaderSize + (int)len > RingLayout.Xenstore.InSize)
                    {
                        // Can never be complete in the ring at once: stream it (bounded wait).
                        ulong deadline = port.NowNs() + TimeoutNs;
                        if (!Receive(m, HeaderSize, deadline) || !Receive(m + HeaderSize, (int)len, deadline)) return;
                    }
                    else
                    {
                        if (ring.InAvailable < HeaderSize + (int)len) return;
                        ring.Read(m, HeaderSize);
                        ring.Read(m + HeaderSize, (int)len);
                        port.Notify();
                    }
                    if (U32(m) == (uint)XsType.WatchEvent) Stash(m + HeaderSize, (int)len);
                    else DroppedReplies++;
                }
            }
        }

        private bool PeekHeader(byte* h) { return ring.Peek(h, HeaderSize) == HeaderSize; }

        private static XsError ErrorCode(byte* p, int len)
        {
            if (Is(p, len, "ENOENT")) return XsError.ENOENT;
            if (Is(p, len, "EACCES")) return XsError.EACCES;
            if (Is(p, len, "EEXIST")) return XsError.EEXIST;
            if (Is(p, len, "EINVAL")) return XsError.EINVAL;
            if (Is(p, len, "EAGAIN")) return XsError.EAGAIN;
            if (Is(p, len, "ENOSPC")) return XsError.ENOSPC;
            if (Is(p, len, "EBUSY")) return XsError.EBUSY;
            if (Is(p, len, "EQUOTA")) return XsError.EQUOTA;
            if (Is(p, len, "E2BIG")) return XsError.E2BIG;
            if (Is(p, len, "EROFS")) return XsError.EROFS;
            return XsError.OtherError;
        }

        // p[0..len) equals s, optionally followed by a NUL.
        private static bool Is(byte* p, int len, string s)
        {
            if (len != s.Length && !(len == s.Length + 1 && p[s.Length] == 0)) return false;
            for (int i = 0; i < s.Length; i++) if (p[i] != (byte)s[i]) return false;
            return true;
        }

        private bool Send(byte* p, int n, ulong deadline)
        {
            int done = 0;
            while (done < n)
            {
                port.ClearPending();
                int k = ring.Write(p + done, n - done);
                done += k;
                if (k > 0) { port.Notify(); continue; }
                if (!Sleep(deadline)) return false;
            }
            return true;
        }

        private bool Receive(byte* p, int n, ulong deadline)
        {
            int done = 0;
            while (done < n)
            {
                port.ClearPending();
                int k = ring.Read(p + done, n - done);
                done += k;
                if (k > 0) { port.Notify(); continue; }
                if (!Sleep(deadline)) return false;
            }
            return true;
        }

        // One bounded sleep on the port; false once the deadline passed.
        private bool Sleep(ulong deadline)
        {
            ulong now = port.NowNs();
            if (now >= deadline) return false;
            ulong until = now + WaitSliceNs;
            port.WaitUntil(until < deadline ? until : deadline);
            return true;
        }
    }
}
