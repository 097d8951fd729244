// Why: the network device in Linux mode (`net=tap:NAME`): a TAP interface carries whole
// Ethernet frames between this process and the host kernel, so the same stack that runs on
// netfront runs here. /dev/net/tun + TUNSETIFF(IFF_TAP|IFF_NO_PI) attaches to an existing
// (persistent) tap or creates one; the fd is non-blocking and one read or write is one
// frame. Our MAC is ours to choose (the tap's own MAC is the host side's): `mac=` or the
// locally administered 02:00:00:00:00:02. Frames the host sends are hostile input: the
// stack validates them; here a frame longer than the caller's buffer is dropped and counted.
using LispVm.Net;

namespace LispVm.Kernel
{
    internal sealed unsafe class LinuxTap : INetDevice
    {
        const long SYS_read = 0, SYS_write = 1, SYS_open = 2, SYS_close = 3, SYS_ioctl = 16;
        const long O_RDWR = 2, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
        const long TUNSETIFF = 0x400454CA;                 // _IOW('T', 202, int)
        const short IFF_TAP = 0x0002, IFF_NO_PI = 0x1000;
        const int IfNameSize = 16;                         // IFNAMSIZ, with its NUL
        const int IfreqSize = 40;                          // struct ifreq: name[16], union (24 bytes)
        const long EPERM = -1, ENOENT = -2, EINTR = -4, EAGAIN = -11, EACCES = -13, EBUSY = -16,
            ENODEV = -19, EINVAL = -22;
        const int ReadTries = 8;                           // oversized frames skipped per Receive

        public readonly int Fd;
        readonly byte[] _mac = new byte[6];
        public long RxFrames, TxFrames, RxTooLong, TxFailed;

        // For (net-stats), in Counter's order.
        public const int CounterCount = 4;
        public static readonly string[] CounterNames = { "rx-frames", "tx-frames", "rx-too-long", "tx-failed" };
        public long Counter(int i)
        {
            return i == 0 ? RxFrames : i == 1 ? TxFrames : i == 2 ? RxTooLong : i == 3 ? TxFailed : 0;
        }

        LinuxTap(int fd, byte* mac)
        {
            Fd = fd;
            for (int i = 0; i < 6; i++) _mac[i] = mac[i];
        }

        public int Mtu => 1500;

        public void GetMac(byte* mac) { for (int i = 0; i < 6; i++) mac[i] = _mac[i]; }

        public bool Transmit(byte* frame, int length)
        {
            for (;;)
            {
                long r = Native.Syscall(SYS_write, Fd, (long)frame, length, 0, 0, 0);
                if (r == EINTR) continue;
                if (r == length) { TxFrames++; return true; }
                TxFailed++;
                return false;                              // EAGAIN (queue full), link down, ...
            }
        }

        public int Receive(byte* buf, int max)
        {
            for (int tries = 0; tries < ReadTries; tries++)
            {
                long r = Native.Syscall(SYS_read, Fd, (long)buf, max, 0, 0, 0);
                if (r == EINTR) continue;
                if (r <= 0) return 0;                      // EAGAIN: nothing waiting
                // With IFF_NO_PI the kernel copies what fits and returns the frame's length.
                if (r > max) { RxTooLong++; continue; }
                RxFrames++;
                return (int)r;
            }
            return 0;
        }

        // Opens tap NAME (bytes name[0..nameLength)) with this MAC; null after printing why.
        public static LinuxTap Open(Platform p, byte* name, int nameLength, byte* mac)
        {
            if (nameLength <= 0 || nameLength >= IfNameSize)
            {
                p.Write("net: net=tap:NAME needs a device name of 1..15 characters; no network");
                p.Write(p.NewLine);
                return null;
            }
            byte* path = stackalloc byte[16];
            string dev = "/dev/net/tun";
            for (int i = 0; i < dev.Length; i++) path[i] = (byte)dev[i];
            path[dev.Length] = 0;
            long fd = Native.Syscall(SYS_open, (long)path, O_RDWR | O_NONBLOCK | O_CLOEXEC, 0, 0, 0, 0);
            if (fd < 0)
            {
                p.Write("net: cannot open /dev/net/tun: ");
                p.Write(fd == ENOENT ? "no such file (no tun driver here, or create the node: mknod /dev/net/tun c 10 200)"
                    : fd == EACCES || fd == EPERM ? "permission denied (run as root or give this user the device)"
                    : fd == ENODEV ? "no such device (the tun module is not loaded)"
                    : "error ");
                if (fd != ENOENT && fd != EACCES && fd != EPERM && fd != ENODEV) p.WriteDec((ulong)(-fd));
                p.Write("; no network");
                p.Write(p.NewLine);
                return null;
            }
            byte* ifr = stackalloc byte[IfreqSize];
            for (int i = 0; i < IfreqSize; i++) ifr[i] = 0;
            for (int i = 0; i < nameLength; i++) ifr[i] = name[i];
            *(short*)(ifr + IfNameSize) = (short)(IFF_TAP | IFF_NO_PI);
            long r = Native.Syscall(SYS_ioctl, fd, TUNSETIFF, (long)ifr, 0, 0, 0);
            if (r < 0)
            {
                Native.Syscall(SYS_close, fd, 0, 0, 0, 0, 0);
                p.Write("net: tap:");
                p.Write(name, nameLength);
                p.Write(": ");
                p.Write(r == EPERM ? "not allowed (creating a tap needs CAP_NET_ADMIN; a persistent tap must belong to this user)"
                    : r == EBUSY ? "busy (another process has it open)"
                    : r == EINVAL ? "not a tap device (a tun or another kind of interface has this name)"
                    : r == ENODEV ? "no such device"
                    : "TUNSETIFF failed, error ");
                if (r != EPERM && r != EBUSY && r != EINVAL && r != ENODEV) p.WriteDec((ulong)(-r));
                p.Write("; no network");
                p.Write(p.NewLine);
                return null;
            }
            return new LinuxTap((int)fd, mac);
        }

        // `mac=aa:bb:cc:dd:ee:ff` into mac: false when malformed or a multicast address.
        public static bool ParseMac(byte* s, int n, byte* mac)
        {
            if (n != 17) return false;
            for (int i = 0; i < 6; i++)
            {
                int hi = Hex(s[3 * i]), lo = Hex(s[3 * i + 1]);
                if (hi < 0 || lo < 0) return false;
                if (i < 5 && s[3 * i + 2] != ':') return false;
                mac[i] = (byte)(hi * 16 + lo);
            }
            return (mac[0] & 1) == 0;
        }

        static int Hex(byte c)
        {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        }
    }
}
