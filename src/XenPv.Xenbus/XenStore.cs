// Why: the xenstore client (io/xs_wire.h) on a ByteRing: read, write, remove and list keys,
// watch them (dispatched by token, see XsWatches), run transactions that retry on EAGAIN.
// A message (16-byte header + up to 4096 bytes) is larger than the 1 KiB ring, so requests
// and replies are streamed in pieces (RingPump), sleeping on the event port when the ring is
// full/empty. Every wait has a deadline. Replies are hostile input: a bad length or unknown
// id never overruns a buffer. A timeout in the middle of a message (or an impossible length)
// leaves the stream out of sync: the connection is then Dead and every later call fails at
// once with XsError.Dead instead of taking someone else's reply.
// Lab check (Xen 4.17 xenstored): read/directory/ENOENT, a transaction commit, a 1500-byte
// value streamed both ways, E2BIG for 3000 bytes (quota) with the stream still in sync.
using XenPv.Shim;
using XenPv.Shim.Io;

namespace XenPv.Xenbus
{
    public enum XsConnection { Ready = 0, Dead = 1 }

    // The body of a transaction (XenStore.Transaction): its requests run inside the
    // transaction; Ok commits, anything else aborts and is returned.
    public interface IXsTransaction
    {
        XsError Body(XenStore xs);
    }

    public unsafe sealed class XenStore : IEventHandler
    {
        public const int HeaderSize = 16;
        public const int MaxPayload = XsdSockmsg.PayloadMax;
        public const int MaxTransactionAttempts = 8;          // EAGAIN retries are bounded
        public const ulong DefaultTimeoutNs = 5000000000UL;   // 5 s per request
        public const ulong WaitSliceNs = 10000000UL;          // poll slices of 10 ms

        private ByteRing ring;
        private RingPump pump;
        private readonly IEventPort port;
        private readonly byte[] msg = new byte[HeaderSize + MaxPayload];
        private readonly XsWatches watches = new XsWatches();
        private uint nextId = 1;
        private uint txId;                       // 0 = no transaction
        // Transactions xenstored opened for us whose TRANSACTION_START reply came after we gave
        // up on it: ended (aborted) before our next one starts, so they do not use up
        // xenstored's per-domain quota (10 by default) for good.
        public const int MaxOrphans = 4;
        private readonly uint[] orphans = new uint[MaxOrphans];
        public int OrphansEnded;
        public ulong TimeoutNs = DefaultTimeoutNs;
        public int DroppedReplies, TransactionRetries;
        public XsConnection State;

        public XenStore(byte* page, IEventPort port)
        {
            ring = new ByteRing(page, RingLayout.Xenstore);
            this.port = port;
        }

        public int RingResets { get { return ring.Resets; } }
        public bool IsDead { get { return State == XsConnection.Dead; } }
        public XsWatches Watches { get { return watches; } }
        // Bytes xenstored has put in the ring that we have not taken (a memory read, no hypercall).
        public bool HasInput { get { return ring.InAvailable > 0; } }

        // The registry found our port pending: take the watch events that arrived.
        public void OnEvent(uint eventPort) { Pump(); }

        // ---- public operations ----

        // READ: copies the value (not NUL-terminated) into value; returns its length or an XsError (< 0).
        public int Read(string path, byte* value, int max) { return Fetch(XsType.Read, path, value, max); }

        // WRITE: value bytes follow the path's NUL, with no NUL after them.
        public XsError Write(string path, byte* value, int length)
        {
            int n = PutWrite(path, value, length);
            return n < 0 ? (XsError)n : Status(Call(XsType.Write, n));
        }

        // WRITE of a non-negative number in decimal (ring-ref, event-channel, state; negative
        // values write 0).
        public XsError WriteNumber(string path, long value)
        {
            byte* b = stackalloc byte[20];
            int n = FormatDecimal(value, b);
            return Write(path, b, n);
        }

        // value (negative: 0) in decimal into b (room for 19 digits); returns the length.
        public static int FormatDecimal(long value, byte* b)
        {
            if (value < 0) value = 0;
            byte* t = stackalloc byte[20];
            int k = 0;
            do { t[k++] = (byte)('0' + value % 10); value /= 10; } while (value != 0);
            for (int i = 0; i < k; i++) b[i] = t[k - 1 - i];
            return k;
        }

        public XsError Write(string path, string value)
        {
            if (value.Length > 256) return XsError.TooLong;
            byte* v = stackalloc byte[256];
            for (int i = 0; i < value.Length; i++) v[i] = (byte)value[i];
            return Write(path, v, value.Length);
        }

        // RM: removes the key and everything below it.
        public XsError Remove(string path)
        {
            int n = PutPath(path, 0);
            if (n < 0) return (XsError)n;
            return Status(Call(XsType.Rm, n));
        }

        // DIRECTORY: the child names, each followed by a NUL; returns the length or an XsError.
        public int Directory(string path, byte* names, int max) { return Fetch(XsType.Directory, path, names, max); }

        // WATCH path token: xenstored fires one event at once, then one per change below path.
        // Events are taken with TakeWatch(token). At most XsWatches.MaxWatches at a time.
        public XsError Watch(string path, string token)
        {
            if (watches.Find(token) >= 0) return XsError.EEXIST;
            int slot = watches.Add(path, token);
            if (slot < 0) return XsError.ENOSPC;
            XsError e = PathPair(XsType.Watch, path, token);
            if (e != XsError.Ok) watches.Remove(slot);
            return e;
        }

        // UNWATCH: xenstored stops; events already queued for token are dropped.
        public XsError Unwatch(string token)
        {
            int slot = watches.Find(token);
            if (slot < 0) return XsError.ENOENT;
            XsError e = PathPair(XsType.Unwatch, watches.PathOf(slot), token);
            watches.Remove(slot);
            return e;
        }

        // True once per burst of watch events for token since the last call (drains the ring first).
        public bool TakeWatch(string token)
        {
            Pump();
            return watches.Take(token);
        }

        // ---- pipelined requests (issue 20): send several, then await each in the order sent;
        // one round trip for all instead of one each (xenstored answers a connection's
        // requests in order). Outside transactions only. Send* return the request's id, or 0
        // when it could not be sent (the matching Await* then fails at once).

        public uint SendWrite(string path, string value)
        {
            if (txId != 0 || value.Length > 256) return 0;
            byte* v = stackalloc byte[256];
            for (int i = 0; i < value.Length; i++) v[i] = (byte)value[i];
            int n = PutWrite(path, v, value.Length);
            uint id;
            return n < 0 || Send(XsType.Write, n, out id) < 0 ? 0 : id;
        }

        public uint SendRead(string path)
        {
            int n = PutPath(path, 0);
            if (n < 0 || txId != 0) return 0;
            uint id;
            return Send(XsType.Read, n, out id) < 0 ? 0 : id;
        }

        // The watch counts as registered from here; AwaitWatch drops it if xenstored refused.
        public uint SendWatch(string path, string token)
        {
            if (txId != 0 || watches.Find(token) >= 0) return 0;
            int slot = watches.Add(path, token);
            if (slot < 0) return 0;
            int t = PutPair(path, token);
            uint id;
            if (t < 0 || Send(XsType.Watch, t, out id) < 0) { watches.Remove(slot); return 0; }
            return id;
        }

        // The reply to a SendWrite (or any request answered with a status).
        public XsError AwaitStatus(uint id) { return id == 0 ? NotSent : Status(Await(id)); }

        private XsError NotSent { get { return IsDead ? XsError.Dead : XsError.Timeout; } }

        // The reply to a SendRead: the value's length (copied to value, at most max) or an XsError.
        public int AwaitRead(uint id, byte* value, int max)
        {
            return id == 0 ? (int)NotSent : CopyReply(Await(id), value, max);
        }

        public XsError AwaitWatch(uint id, string token)
        {
            int slot = watches.Find(token);
            if (id == 0) return NotSent;                    // SendWatch already dropped it
            XsError e = Status(Await(id));
            if (e != XsError.Ok && slot >= 0) watches.Remove(slot);
            return e;
        }

        // ---- paths built at run time (a backend's directory read from xenstore): bytes, not
        // string literals (the kernel has no string operations). pathLength excludes any NUL.

        public int Read(byte* path, int pathLength, byte* value, int max)
        {
            int n = PutPath(path, pathLength, 0);
            if (n < 0) return n;
            int r = Call(XsType.Read, n);
            if (r < 0) return r;
            int k = r < max ? r : max;
            fixed (byte* m = msg) for (int i = 0; i < k; i++) value[i] = m[HeaderSize + i];
            return k;
        }

        public XsError Write(byte* path, int pathLength, byte* value, int length)
        {
            int n = PutPath(path, pathLength, 0);
            if (n < 0) return (XsError)n;
            if (length < 0 || n + length > MaxPayload) return XsError.TooLong;
            for (int i = 0; i < length; i++) msg[HeaderSize + n + i] = value[i];
            return Status(Call(XsType.Write, n + length));
        }

        // WATCH on a byte path: events by token as for Watch(string, string); the caller keeps
        // the path for Unwatch(path, pathLength, token).
        public XsError Watch(byte* path, int pathLength, string token)
        {
            if (watches.Find(token) >= 0) return XsError.EEXIST;
            int slot = watches.Add(path, pathLength, token);
            if (slot < 0) return XsError.ENOSPC;
            XsError e = BytePathPair(XsType.Watch, path, pathLength, token);
            if (e != XsError.Ok) watches.Remove(slot);
            return e;
        }

        public XsError Unwatch(byte* path, int pathLength, string token)
        {
            int slot = watches.Find(token);
            if (slot < 0) return XsError.ENOENT;
            XsError e = BytePathPair(XsType.Unwatch, path, pathLength, token);
            watches.Remove(slot);
            return e;
        }

        private XsError BytePathPair(XsType type, byte* path, int pathLength, string token)
        {
            int n = PutPath(path, pathLength, 0);
            if (n < 0) return (XsError)n;
            int t = PutPath(token, n);
            if (t < 0) return (XsError)t;
            return Status(Call(type, t));
        }

        // TRANSACTION_START: later requests run inside it until End. One at a time.
        public XsError StartTransaction()
        {
            if (txId != 0) return XsError.EBUSY;
            EndOrphans();
            msg[HeaderSize] = 0;
            int r = Call(XsType.TransactionStart, 1);
            if (r < 0) return (XsError)r;
            uint id;
            fixed (byte* m = msg) id = ParseTxId(m + HeaderSize, r);
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
            return Status(r);
        }

        public bool InTransaction { get { return txId != 0; } }

        // Runs body in a transaction and commits; on EAGAIN (another writer won) runs it again,
        // at most MaxTransactionAttempts times (then EAGAIN). A body error aborts.
        public XsError Transaction(IXsTransaction body)
        {
            for (int attempt = 0; attempt < MaxTransactionAttempts; attempt++)
            {
                XsError e = StartTransaction();
                if (e != XsError.Ok) return e;
                e = body.Body(this);
                if (e != XsError.Ok)
                {
                    if (txId != 0) EndTransaction(false);
                    return e;
                }
                e = EndTransaction(true);
                if (e != XsError.EAGAIN) return e;
                TransactionRetries++;
            }
            return XsError.EAGAIN;
        }

        // ---- suspend and resume ----

        /// <summary>After a resume in a new domain: xenstored is a new connection that knows no
        /// transaction or watch of ours. Drops what the ring holds for the old one (replies,
        /// events), forgets the transaction, revives a dead connection, and registers every
        /// watch again (each fires once at once, so its owner re-reads the key). Returns how
        /// many watches could not be registered.</summary>
        public int Resume()
        {
            ring.DropInput();
            txId = 0;
            State = XsConnection.Ready;
            watches.ClearFired();
            int failed = 0;
            byte* path = stackalloc byte[XsWatches.MaxPathBytes];
            for (int i = 0; i < XsWatches.MaxWatches; i++)
            {
                string token = watches.TokenOf(i);
                if (token == null) continue;
                string p = watches.PathOf(i);
                XsError e;
                if (p != null) e = PathPair(XsType.Watch, p, token);
                else
                {
                    int n = watches.PathBytesOf(i, path);
                    e = n > 0 ? BytePathPair(XsType.Watch, path, n, token) : XsError.EINVAL;
                }
                if (e != XsError.Ok) failed++;
            }
            Resumes++;
            return failed;
        }

        public int Resumes;

        // ---- protocol ----

        private static XsError Status(int r) { return r < 0 ? (XsError)r : XsError.Ok; }

        // A request about one path whose reply payload is copied to dst (at most max bytes).
        private int Fetch(XsType type, string path, byte* dst, int max)
        {
            int n = PutPath(path, 0);
            return n < 0 ? n : CopyReply(Call(type, n), dst, max);
        }

        // A reply's payload (r: its length, or an XsError) copied to dst, at most max bytes:
        // the length copied, or the error.
        private int CopyReply(int r, byte* dst, int max)
        {
            if (r < 0) return r;
            int k = r < max ? r : max;
            fixed (byte* m = msg) for (int i = 0; i < k; i++) dst[i] = m[HeaderSize + i];
            return k;
        }

        private XsError PathPair(XsType type, string path, string token)
        {
            int t = PutPair(path, token);
            return t < 0 ? (XsError)t : Status(Call(type, t));
        }

        // path NUL token NUL (WATCH, UNWATCH) into the payload; its length or an XsError.
        private int PutPair(string path, string token)
        {
            int n = PutPath(path, 0);
            return n < 0 ? n : PutPath(token, n);
        }

        // path NUL value (WRITE: no NUL after the value) into the payload; its length or an XsError.
        private int PutWrite(string path, byte* value, int length)
        {
            int n = PutPath(path, 0);
            if (n < 0) return n;
            if (length < 0 || n + length > MaxPayload) return (int)XsError.TooLong;
            for (int i = 0; i < length; i++) msg[HeaderSize + n + i] = value[i];
            return n + length;
        }

        // Writes s plus a NUL into the payload at offset; returns the new payload length.
        private int PutPath(string s, int offset)
        {
            if (s == null) return (int)XsError.EINVAL;
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

        private int PutPath(byte* s, int length, int offset)
        {
            if (s == null || length <= 0) return (int)XsError.EINVAL;
            if (offset + length + 1 > MaxPayload) return (int)XsError.TooLong;
            for (int i = 0; i < length; i++)
            {
                byte c = s[i];
                if (c == 0 || c > 126) return (int)XsError.EINVAL;
                msg[HeaderSize + offset + i] = c;
            }
            msg[HeaderSize + offset + length] = 0;
            return offset + length + 1;
        }

        private void Die() { State = XsConnection.Dead; txId = 0; }

        // A TRANSACTION_START reply's id (hostile bytes: digits up to a NUL, bounded); 0 if bad.
        private static uint ParseTxId(byte* payload, int len)
        {
            uint id = 0;
            for (int i = 0; i < len && payload[i] != 0; i++)
            {
                byte c = payload[i];
                if (c < (byte)'0' || c > (byte)'9' || id > 400000000) return 0;
                id = id * 10 + (uint)(c - '0');
            }
            return id;
        }

        // A late TRANSACTION_START reply names a transaction nobody will end: remember it
        // (the oldest is forgotten when full).
        private void NoteOrphan(uint type, byte* payload, int len)
        {
            if (type != (uint)XsType.TransactionStart) return;
            uint id = ParseTxId(payload, len);
            if (id == 0) return;
            for (int i = 0; i < MaxOrphans; i++) if (orphans[i] == 0) { orphans[i] = id; return; }
            for (int i = 1; i < MaxOrphans; i++) orphans[i - 1] = orphans[i];
            orphans[MaxOrphans - 1] = id;
        }

        // Aborts each orphan (its reply, even an error, is all we wait for).
        private void EndOrphans()
        {
            for (int i = 0; i < MaxOrphans; i++)
            {
                if (orphans[i] == 0) continue;
                txId = orphans[i];
                orphans[i] = 0;
                EndTransaction(false);
                OrphansEnded++;
            }
        }

        // Sends msg (header filled here) and waits for the reply with the same id.
        // Returns the reply payload length (payload in msg after the header) or an XsError.
        private int Call(XsType type, int payloadLength)
        {
            uint id;
            int e = Send(type, payloadLength, out id);
            return e < 0 ? e : Await(id);
        }

        // Sends msg as a request (header filled here); its id for Await, or an XsError.
        private int Send(XsType type, int payloadLength, out uint id)
        {
            id = 0;
            if (State == XsConnection.Dead) return (int)XsError.Dead;
            id = nextId++;
            if (id == 0) id = nextId++;          // 0 means "no request" to SendX callers
            ulong deadline = port.NowNs() + TimeoutNs;
            fixed (byte* m = msg)
            {
                XsdSockmsg* h = (XsdSockmsg*)m;
                h->type = (uint)type;
                h->req_id = id;
                h->tx_id = txId;                 // 0 outside a transaction
                h->len = (uint)payloadLength;
                int total = HeaderSize + payloadLength;
                int sent = pump.Transfer(ref ring, port, m, total, true, deadline, WaitSliceNs);
                if (sent != total)
                {
                    if (sent != 0) Die();        // half a request in the ring: xenstored will misparse what follows
                    return (int)XsError.Timeout;
                }
            }
            return 0;
        }

        // Waits for the reply to request id: its payload length (payload in msg after the
        // header) or an XsError. Replies to other ids are dropped, so pipelined requests must
        // be awaited in the order they were sent (xenstored answers a connection in order).
        private int Await(uint id)
        {
            if (State == XsConnection.Dead) return (int)XsError.Dead;
            ulong deadline = port.NowNs() + TimeoutNs;
            fixed (byte* m = msg)
            {
                XsdSockmsg* h = (XsdSockmsg*)m;
                for (;;)
                {
                    int got = pump.Transfer(ref ring, port, m, HeaderSize, false, deadline, WaitSliceNs);
                    if (got != HeaderSize)
                    {
                        // No byte of a reply yet: still in sync (a late reply is dropped by its id).
                        if (got != 0) Die();
                        return (int)XsError.Timeout;
                    }
                    uint rtype = h->type, rid = h->req_id, len = h->len;
                    if (len > MaxPayload)
                    {
                        // Impossible length: we cannot find the next header any more.
                        DroppedReplies++;
                        Die();
                        return (int)XsError.Protocol;
                    }
                    if (pump.Transfer(ref ring, port, m + HeaderSize, (int)len, false, deadline, WaitSliceNs) != (int)len)
                    {
                        Die();
                        return (int)XsError.Timeout;
                    }
                    if (rtype == (uint)XsType.WatchEvent) { watches.OnEvent(m + HeaderSize, (int)len); continue; }
                    if (rid != id) { DroppedReplies++; NoteOrphan(rtype, m + HeaderSize, (int)len); continue; }
                    if (rtype == (uint)XsType.Error) return (int)XsErrors.Parse(m + HeaderSize, (int)len);
                    return (int)len;
                }
            }
        }

        // Takes complete watch events already in the ring (never waits for one to start).
        private void Pump()
        {
            if (State == XsConnection.Dead) return;
            XsdSockmsg hdr;
            fixed (byte* m = msg)
            {
                while (ring.InAvailable >= HeaderSize)
                {
                    // Only consume when the whole message is there, so nothing is left half-read.
                    if (ring.Peek((byte*)&hdr, HeaderSize) != HeaderSize) return;
                    uint len = hdr.len;
                    if (len > MaxPayload) { DroppedReplies++; Die(); return; }
                    if (HeaderSize + (int)len > RingLayout.Xenstore.InSize)
                    {
                        // Can never be complete in the ring at once: stream it (bounded wait).
                        ulong deadline = port.NowNs() + TimeoutNs;
                        int total = HeaderSize + (int)len;
                        if (pump.Transfer(ref ring, port, m, total, false, deadline, WaitSliceNs) != total) { Die(); return; }
                    }
                    else
                    {
                        if (ring.InAvailable < HeaderSize + (int)len) return;
                        ring.Read(m, HeaderSize + (int)len);
                        port.Notify();                   // room again in rsp
                    }
                    if (hdr.type == (uint)XsType.WatchEvent) watches.OnEvent(m + HeaderSize, (int)len);
                    else { DroppedReplies++; NoteOrphan(hdr.type, m + HeaderSize, (int)len); }
                }
            }
        }
    }
}
