// Why: the network's start and pump in the image. At boot the net words (`ip= gw=
// udp-echo=`, the same on Xen's `extra=` and the Linux command line) are parsed once; no
// ip= means no network, a bad word one line saying which and no network. Then the
// platform's device (netfront; Linux: net=tap:NAME), the stack, a gratuitous ARP, and
// Vm.Net for the Lisp API. The stack runs only when pumped: from the VM's poller at safe
// points, the idle prompt and sleeps (KernelConsole), and UDP-RECEIVE's waits.
#if LISPVM_ENGINE
using LispVm.Eval;
using LispVm.Net;

namespace LispVm.Kernel
{
    internal sealed unsafe class KernelNet
    {
        // Longest wait with a network: the stack's timers (ARP retries) run at least this often.
        public const ulong WaitSliceNs = 100000000;
        // Frames handled per pump at most: Poll takes a bounded batch, a burst needs a few.
        const int PumpRounds = 16;

        readonly Platform _p;
        public readonly NetStack Stack;
        public readonly INetDevice Device;

        KernelNet(Platform p, NetStack stack, INetDevice device) { _p = p; Stack = stack; Device = device; }

        // Null when the options ask for no network or it could not start (after saying why).
        public static KernelNet Start(Platform p)
        {
            int n;
            byte* text = p.Options(out n);
            NetConfig cfg;
            NetConfigStatus st = NetConfig.Parse(text, n, out cfg);
            if (st == NetConfigStatus.NoIp) return null;
            if (st != NetConfigStatus.Ok) { BadWord(p, st); return null; }
            INetDevice dev = p.OpenNetDevice();
            if (dev == null) return null;                 // the platform said why
            NetStack stack = new NetStack(dev, cfg);
            stack.Announce();
            KernelNet net = new KernelNet(p, stack, dev);
            net.Banner(cfg);
            return net;
        }

        public void Attach(Vm vm)
        {
            vm.Net = Stack;
            vm.NetDevice = Device;
            if (_p.NetDeviceKind != null) vm.NetDeviceCounters = new DeviceCounters(_p);
        }

        // Runs the stack: received frames (a burst, bounded) and its timers. True if any frame.
        public bool Pump()
        {
            bool any = false;
            for (int i = 0; i < PumpRounds && Stack.Poll(_p.MonotonicNs()); i++) any = true;
            return any;
        }

        static void BadWord(Platform p, NetConfigStatus st)
        {
            string name = st == NetConfigStatus.BadIp ? "ip" : st == NetConfigStatus.BadGateway ? "gw" : "udp-echo";
            int vn;
            byte* v = p.OptionValue(name, out vn);
            p.Write("net: ");
            p.Write(name);
            p.Write("=");
            if (v != null) p.Write(v, vn);
            p.Write(st == NetConfigStatus.BadIp ? " is not an address/prefix like 10.0.0.2/24"
                : st == NetConfigStatus.BadGateway ? " is not an address inside ip='s subnet"
                : " is not a port 1..65535");
            p.Write("; no network");
            p.Write(p.NewLine);
        }

        // "net: 10.0.0.2/24 gw 10.0.0.1 mac 02:00:00:00:00:02 on tap:lvtap0", then the echo line.
        void Banner(NetConfig cfg)
        {
            Platform p = _p;
            p.Write("net: ");
            WriteIp(p, cfg.Ip);
            p.Write("/");
            p.WriteDec((ulong)cfg.PrefixLength);
            if (cfg.Gateway != 0) { p.Write(" gw "); WriteIp(p, cfg.Gateway); }
            p.Write(" mac ");
            byte* mac = stackalloc byte[6];
            Device.GetMac(mac);
            byte* hex = stackalloc byte[17];
            for (int i = 0; i < 6; i++)
            {
                hex[3 * i] = Hex(mac[i] >> 4);
                hex[3 * i + 1] = Hex(mac[i] & 15);
                if (i < 5) hex[3 * i + 2] = (byte)':';
            }
            p.Write(hex, 17);
            p.Write(" on ");
            int wn = 0;
            byte* where = p is LinuxPlatform ? p.OptionValue("net", out wn) : null;
            if (where != null) p.Write(where, wn); else p.Write("netfront");
            p.Write(p.NewLine);
            if (cfg.EchoPort != 0)
            {
                p.Write("udp echo on port ");
                p.WriteDec(cfg.EchoPort);
                p.Write(p.NewLine);
            }
        }

        // The platform's driver counters as Eval sees them (net-stats).
        sealed class DeviceCounters : INetDeviceCounters
        {
            readonly Platform _p;
            public DeviceCounters(Platform p) { _p = p; }
            public string DeviceKind => _p.NetDeviceKind;
            public int CounterCount => _p.NetDeviceCounterCount;
            public string CounterName(int i) { return _p.NetDeviceCounterName(i); }
            public long Counter(int i) { return _p.NetDeviceCounter(i); }
        }

        static byte Hex(int d) { return (byte)(d < 10 ? '0' + d : 'a' + d - 10); }

        static void WriteIp(Platform p, uint ip)
        {
            for (int i = 3; i >= 0; i--)
            {
                p.WriteDec((ip >> (8 * i)) & 255);
                if (i > 0) p.Write(".");
            }
        }
    }
}
#endif
