// Why: file access for the image run as a Linux process (the same file Xen boots): a few
// syscalls (open/fstat/read/write/close/unlink/mkdir) behind IPlatform's file calls. Paths are
// copied into a stack buffer with a NUL; results are byte counts or -errno, as IPlatform
// documents. No allocation, no exceptions.
namespace LispVm.Kernel
{
    internal static unsafe class LinuxFiles
    {
        const long SysRead = 0, SysWrite = 1, SysOpen = 2, SysClose = 3, SysFstat = 5, SysUnlink = 87, SysMkdir = 83;
        const long ORdOnly = 0, OWrOnly = 1, OCreat = 0x40, OTrunc = 0x200, OAppend = 0x400, OCloexec = 0x80000;
        const int PathMax = 4096;

        static bool CopyPath(byte* p, int n, byte* buf)
        {
            if (n <= 0 || n >= PathMax) return false;
            for (int i = 0; i < n; i++) { if (p[i] == 0) return false; buf[i] = p[i]; }
            buf[n] = 0;
            return true;
        }

        static long Open(byte* p, int n, long flags)
        {
            byte* buf = stackalloc byte[PathMax];
            if (!CopyPath(p, n, buf)) return -2;
            return Native.Syscall(SysOpen, (long)buf, flags | OCloexec, 420 /* 0644 */, 0, 0, 0);
        }

        public static long Size(byte* p, int n)
        {
            long fd = Open(p, n, ORdOnly);
            if (fd < 0) return fd;
            byte* st = stackalloc byte[256];
            long r = Native.Syscall(SysFstat, fd, (long)st, 0, 0, 0, 0);
            Native.Syscall(SysClose, fd, 0, 0, 0, 0, 0);
            if (r < 0) return r;
            uint mode = *(uint*)(st + 24);                  // struct stat: st_mode
            if ((mode & 0xF000) == 0x4000) return -21;       // S_IFDIR
            return *(long*)(st + 48);                        // st_size
        }

        public static long Read(byte* p, int n, byte* dst, long max)
        {
            long fd = Open(p, n, ORdOnly);
            if (fd < 0) return fd;
            long got = 0;
            while (got < max)
            {
                long r = Native.Syscall(SysRead, fd, (long)(dst + got), max - got, 0, 0, 0);
                if (r == -4) continue;                       // EINTR
                if (r < 0) { got = r; break; }
                if (r == 0) break;
                got += r;
            }
            Native.Syscall(SysClose, fd, 0, 0, 0, 0, 0);
            return got;
        }

        public static long Write(byte* p, int n, byte* src, long len, bool append)
        {
            long fd = Open(p, n, OWrOnly | OCreat | (append ? OAppend : OTrunc));
            if (fd < 0) return fd;
            long put = 0;
            while (put < len)
            {
                long r = Native.Syscall(SysWrite, fd, (long)(src + put), len - put, 0, 0, 0);
                if (r == -4) continue;
                if (r <= 0) { put = r < 0 ? r : -5; break; }
                put += r;
            }
            Native.Syscall(SysClose, fd, 0, 0, 0, 0, 0);
            return put;
        }

        public static long Delete(byte* p, int n)
        {
            byte* buf = stackalloc byte[PathMax];
            if (!CopyPath(p, n, buf)) return -2;
            long r = Native.Syscall(SysUnlink, (long)buf, 0, 0, 0, 0, 0);
            return r < 0 ? r : 0;
        }

        /// <summary>mkdir with mode 0777 (the umask applies): 0 created, 1 already a
        /// directory, else -errno (-17 when a file has the name).</summary>
        public static long MakeDir(byte* p, int n)
        {
            byte* buf = stackalloc byte[PathMax];
            if (!CopyPath(p, n, buf)) return -2;
            long r = Native.Syscall(SysMkdir, (long)buf, 511 /* 0777 */, 0, 0, 0, 0);
            if (r == -17) return Size(p, n) == -21 ? 1 : -17;   // EEXIST: a directory, or not
            return r < 0 ? r : 0;
        }
    }
}
