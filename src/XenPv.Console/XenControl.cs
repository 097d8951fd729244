// Why: `xl shutdown/reboot` write control/shutdown in the guest's xenstore directory and
// wait for the guest to act. This watches that key over XenStore and turns a request into
// a value the kernel acts on; it acknowledges by clearing the key (as Linux does) and
// advertises feature-poweroff/feature-reboot. It also follows memory/target (KiB, written
// by `xl mem-set`) for GC-driven ballooning. Poll() never blocks unless a watch fired.
namespace XenPv.Console
{
    public enum ShutdownRequest { None = 0, Poweroff = 1, Reboot = 2, Suspend = 3, Halt = 4, Unknown = 5 }

    public unsafe sealed class XenControl
    {
        public const string ShutdownPath = "control/shutdown";
        public const string TargetPath = "memory/target";
        private readonly XenStore xs;
        private bool started;
        public XsError LastError;

        // memory/target in KiB (0 until known); TargetChanged is set when it changes.
        public ulong MemoryTargetKiB;
        public bool TargetChanged;

        public XenControl(XenStore xs) { this.xs = xs; }

        // Advertises what we handle and watches control/shutdown (Xen fires the watch once at once).
        public XsError Start()
        {
            xs.Write("control/feature-poweroff", "1");
            xs.Write("control/feature-reboot", "1");
            LastError = xs.Watch(ShutdownPath, "lispvm-shutdown");
            started = LastError == XsError.Ok;
            if (started) xs.Watch(TargetPath, "lispvm-target");
            return LastError;
        }

        // Returns the pending request, or None. Reads the key only after a watch event.
        public ShutdownRequest Poll()
        {
            if (!started || xs.PendingWatchEvents == 0) return ShutdownRequest.None;
            byte* ev = stackalloc byte[128];
            bool shutdownEvent = false, targetEvent = false;
            int len;
            while ((len = xs.NextWatchEvent(ev, 128)) > 0)
            {
                if (StartsWithPath(ev, len, TargetPath)) targetEvent = true;
                else shutdownEvent = true;
            }
            if (targetEvent) ReadTarget();
            if (!shutdownEvent) return ShutdownRequest.None;
            byte* v = stackalloc byte[32];
            int n = xs.Read(ShutdownPath, v, 32);
            if (n <= 0) { if (n < 0) LastError = (XsError)n; return ShutdownRequest.None; }
            ShutdownRequest r = Parse(v, n);
            xs.Write(ShutdownPath, "");   // acknowledge: the toolstack sees the guest took it
            return r;
        }

        private void ReadTarget()
        {
            byte* v = stackalloc byte[24];
            int n = xs.Read(TargetPath, v, 24);
            if (n <= 0) return;
            ulong kib = 0;
            for (int i = 0; i < n && v[i] != 0; i++)
            {
                if (v[i] < (byte)'0' || v[i] > (byte)'9' || kib > 0xFFFFFFFFFFFFUL) return;   // not a number: ignore
                kib = kib * 10 + (ulong)(v[i] - '0');
            }
            if (kib != MemoryTargetKiB) { MemoryTargetKiB = kib; TargetChanged = true; }
        }

        // The event payload is "path\0token\0": does it name `path`?
        private static bool StartsWithPath(byte* ev, int len, string path)
        {
            if (len < path.Length + 1 || ev[path.Length] != 0) return false;
            for (int i = 0; i < path.Length; i++) if (ev[i] != (byte)path[i]) return false;
            return true;
        }

        public static ShutdownRequest Parse(byte* v, int n)
        {
            if (n > 0 && v[n - 1] == 0) n--;
            if (n == 0) return ShutdownRequest.None;
            if (Is(v, n, "poweroff")) return ShutdownRequest.Poweroff;
            if (Is(v, n, "reboot")) return ShutdownRequest.Reboot;
            if (Is(v, n, "suspend")) return ShutdownRequest.Suspend;
            if (Is(v, n, "halt")) return ShutdownRequest.Halt;
            return ShutdownRequest.Unknown;
        }

        private static bool Is(byte* p, int n, string s)
        {
            if (n != s.Length) return false;
            for (int i = 0; i < n; i++) if (p[i] != (byte)s[i]) return false;
            return true;
        }
    }
}
