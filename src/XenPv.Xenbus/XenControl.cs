// Why: what the toolstack asks of a running guest through xenstore. `xl shutdown/reboot`
// write control/shutdown and wait; like Linux (drivers/xen/manage.c) we read the value in a
// transaction and clear it there ONLY for a command we carry out (clearing is libxl's sign
// that the guest accepted); `suspend` is carried out (cleared, returned) only once the
// platform set SuspendEnabled (it can save and restore), else it stays in place with one
// notice line like unknown values; the empty value (the watch's first event, our own
// clear) is ignored, except after a commit whose reply never came: xenstored may have
// applied it (late replies under load: CI's density run lost two poweroffs that way, the key
// empty and the guest still running), so the request read in that transaction is carried out
// when the key is then found empty, since only we write the empty value (libxl also clears
// a suspend it gives up on, after its own timeout: not a case worth a lost poweroff). `xl mem-set`
// writes memory/target (KiB); hostile values (empty, signed, non-digits, > 2^44 KiB,
// trailing bytes) are ignored with a notice. memory/static-max is read once at Start.
// Poll never touches xenstore unless a watch fired (token dispatch, see XsWatches).
namespace XenPv.Xenbus
{
    public enum ShutdownRequest { None = 0, Poweroff = 1, Reboot = 2, Suspend = 3, Halt = 4, Unknown = 5 }

    public unsafe sealed class XenControl : IXsTransaction
    {
        public const string ShutdownPath = "control/shutdown";
        public const string TargetPath = "memory/target";
        public const string StaticMaxPath = "memory/static-max";
        public const string ShutdownToken = "lispvm/shutdown";
        public const string TargetToken = "lispvm/target";
        public const ulong MaxKiB = 1UL << 44;                 // 16 PiB: anything larger is garbage
        public const int ValueMax = 32;
        public const int NoticeMax = 256;

        private readonly XenStore xs;
        private bool started;
        private bool shutdownAgain;           // a transaction failed: look at the key on the next Poll
        private ShutdownRequest txResult;
        private ShutdownRequest unconfirmed;  // accepted in a transaction whose commit reply never came
        private readonly byte[] value = new byte[ValueMax];
        private int valueLength;
        private readonly byte[] notice = new byte[NoticeMax];
        private int noticeLength;
        public XsError LastError;
        // The platform can suspend (`xl save`, `xl migrate`): acknowledge and return Suspend.
        public bool SuspendEnabled;

        // memory/target in KiB (0 until known); TargetChanged is set when it changes.
        public ulong MemoryTargetKiB;
        public bool TargetChanged;
        public int TargetRejects;
        // memory/static-max in KiB, read once by Start (0 = absent or garbled).
        public ulong StaticMaxKiB;

        public XenControl(XenStore xs) { this.xs = xs; }

        public XenStore Store { get { return xs; } }

        // Advertises what we handle, reads static-max, watches control/shutdown and memory/target
        // (each watch fires once at once). Pipelined: the five requests go out together and
        // cost one round trip, not five (~5-10 ms each under the lab's TCG; issue 20).
        public XsError Start()
        {
            uint poweroff = xs.SendWrite("control/feature-poweroff", "1");
            uint reboot = xs.SendWrite("control/feature-reboot", "1");
            uint max = xs.SendRead(StaticMaxPath);
            uint shutdown = xs.SendWatch(ShutdownPath, ShutdownToken);
            uint target = xs.SendWatch(TargetPath, TargetToken);
            xs.AwaitStatus(poweroff);
            xs.AwaitStatus(reboot);
            byte* v = stackalloc byte[ValueMax];
            int n = xs.AwaitRead(max, v, ValueMax);
            ulong kib;
            if (n >= 0 && ParseKiB(v, n, out kib)) StaticMaxKiB = kib;
            else if (n >= 0) Ignored(StaticMaxPath, v, n, "not a KiB count");
            LastError = xs.AwaitWatch(shutdown, ShutdownToken);
            XsError t = xs.AwaitWatch(target, TargetToken);
            started = LastError == XsError.Ok;
            // As before: no memory/target watch without the control/shutdown one.
            if (!started && t == XsError.Ok) xs.Unwatch(TargetToken);
            return LastError;
        }

        // Anything for Poll to do? Memory reads only: ring bytes, a fired watch, a retry.
        public bool HasWork { get { return started && (xs.HasInput || xs.Watches.AnyFired || shutdownAgain); } }

        // The request to carry out now, or None (also for suspend/unknown, with a notice).
        public ShutdownRequest Poll()
        {
            if (!started || xs.IsDead) return ShutdownRequest.None;
            if (xs.TakeWatch(TargetToken)) ReadTarget();
            if (!xs.TakeWatch(ShutdownToken) && !shutdownAgain) return ShutdownRequest.None;
            shutdownAgain = false;
            txResult = ShutdownRequest.None;
            XsError e = xs.Transaction(this);
            if (e != XsError.Ok)
            {
                LastError = e;
                // No reply: the commit (and our clear) may have been applied. Keep what we read.
                if (e == XsError.Timeout && Accepted(txResult))
                {
                    if (unconfirmed == ShutdownRequest.None) Append("control/shutdown: no reply from xenstore; the request is kept\n");
                    unconfirmed = txResult;
                }
                shutdownAgain = !xs.IsDead;     // EAGAIN storm or a timeout: try again next Poll
                return ShutdownRequest.None;
            }
            unconfirmed = ShutdownRequest.None;
            if (txResult == ShutdownRequest.Suspend && SuspendEnabled) return txResult;
            if (txResult == ShutdownRequest.Suspend || txResult == ShutdownRequest.Unknown)
            {
                Ignored(ShutdownPath, null, 0, txResult == ShutdownRequest.Suspend ? "suspend not supported, left in place" : "unknown request, left in place");
                return ShutdownRequest.None;
            }
            return txResult;
        }

        // Inside the transaction: read the request, clear it if we will carry it out.
        public XsError Body(XenStore store)
        {
            fixed (byte* v = value)
            {
                int n = store.Read(ShutdownPath, v, ValueMax);
                if (n < 0 && n != (int)XsError.ENOENT) return (XsError)n;
                valueLength = n < 0 ? 0 : n;
                txResult = n < 0 ? ShutdownRequest.None : Parse(v, n);
            }
            // Empty after an unanswered commit of ours: that commit went through.
            if (txResult == ShutdownRequest.None && unconfirmed != ShutdownRequest.None) { txResult = unconfirmed; return XsError.Ok; }
            if (Accepted(txResult)) return store.Write(ShutdownPath, "");      // the toolstack's sign that we accepted
            return XsError.Ok;
        }

        private bool Accepted(ShutdownRequest r)
        {
            return r == ShutdownRequest.Poweroff || r == ShutdownRequest.Reboot || r == ShutdownRequest.Halt
                || (r == ShutdownRequest.Suspend && SuspendEnabled);
        }

        private void ReadTarget()
        {
            byte* v = stackalloc byte[ValueMax];
            int n = xs.Read(TargetPath, v, ValueMax);
            if (n < 0) return;                      // absent: nothing to follow
            ulong kib;
            if (!ParseKiB(v, n, out kib))
            {
                TargetRejects++;
                Ignored(TargetPath, v, n, "not a KiB count");
                return;
            }
            if (kib != MemoryTargetKiB) { MemoryTargetKiB = kib; TargetChanged = true; }
        }

        // A decimal KiB count: digits only (one trailing NUL tolerated), 0 .. 2^44.
        public static bool ParseKiB(byte* v, int n, out ulong kib)
        {
            kib = 0;
            if (n > 0 && v[n - 1] == 0) n--;
            if (n <= 0 || n > 20) return false;
            ulong k = 0;
            for (int i = 0; i < n; i++)
            {
                if (v[i] < (byte)'0' || v[i] > (byte)'9') return false;
                k = k * 10 + (ulong)(v[i] - '0');
                if (k > MaxKiB) return false;
            }
            kib = k;
            return true;
        }

        public static ShutdownRequest Parse(byte* v, int n)
        {
            if (n > 0 && v[n - 1] == 0) n--;
            if (n <= 0) return ShutdownRequest.None;
            if (XsErrors.Is(v, n, "poweroff")) return ShutdownRequest.Poweroff;
            if (XsErrors.Is(v, n, "reboot")) return ShutdownRequest.Reboot;
            if (XsErrors.Is(v, n, "suspend")) return ShutdownRequest.Suspend;
            if (XsErrors.Is(v, n, "halt")) return ShutdownRequest.Halt;
            return ShutdownRequest.Unknown;
        }

        // ---- notices: lines for the console, taken by the platform ----

        // Copies the queued notice lines (each ends with '\n') into dst and clears them.
        public int TakeNotices(byte* dst, int max)
        {
            int k = noticeLength < max ? noticeLength : max;
            for (int i = 0; i < k; i++) dst[i] = notice[i];
            noticeLength = 0;
            return k;
        }

        public bool HasNotices { get { return noticeLength > 0; } }

        // "<key>: ignoring '<value>' (<why>)\n"; v == null: the last control/shutdown value.
        private void Ignored(string key, byte* v, int n, string why)
        {
            Append(key); Append(": ignoring '");
            if (v == null) fixed (byte* p = value) AppendValue(p, valueLength);
            else AppendValue(v, n);
            Append("' ("); Append(why); Append(")\n");
        }

        private void Append(string s) { for (int i = 0; i < s.Length; i++) Put((byte)s[i]); }

        // Hostile bytes: printable ASCII only, at most ValueMax of them.
        private void AppendValue(byte* v, int n)
        {
            if (n > ValueMax) n = ValueMax;
            for (int i = 0; i < n; i++) Put(v[i] >= 32 && v[i] < 127 ? v[i] : (byte)'?');
        }

        private void Put(byte b) { if (noticeLength < NoticeMax - 1) notice[noticeLength++] = b; }
    }
}
