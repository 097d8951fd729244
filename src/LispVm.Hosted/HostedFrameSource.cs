// The .NET-hosted frame source for the Lisp heap: reserve = mmap PROT_NONE (no memory
// charged), commit = mprotect RW (Linux supplies zero pages on first touch), decommit =
// madvise DONTNEED + mprotect NONE (pages go back to the OS). Also the Stopwatch clock
// used for GC statistics, which only the hosted build may use.
using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using LispVm.Gc;

namespace LispVm.Hosted
{
    public sealed unsafe class HostedFrameSource : IFrameSource
    {
        const int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2;
        const int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
        const int MADV_DONTNEED = 4;

        [DllImport("libc", EntryPoint = "mmap")]
        static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);
        [DllImport("libc", EntryPoint = "munmap")]
        static extern int munmap(IntPtr addr, UIntPtr length);
        [DllImport("libc", EntryPoint = "mprotect")]
        static extern int mprotect(IntPtr addr, UIntPtr length, int prot);
        [DllImport("libc", EntryPoint = "madvise")]
        static extern int madvise(IntPtr addr, UIntPtr length, int advice);

        /// <summary>Pages currently committed through this source (for tests).</summary>
        public ulong CommittedPages;
        /// <summary>If non-zero, Commit fails once this many pages are committed (tests of
        /// frame shortage, like a ballooned-down guest).</summary>
        public ulong MaxCommittedPages;

        public ulong PageSize { get { return 4096; } }

        public ulong Reserve(ulong bytes)
        {
            IntPtr p = mmap(IntPtr.Zero, (UIntPtr)bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, IntPtr.Zero);
            if (p == new IntPtr(-1)) return 0;
            return (ulong)p;
        }

        public bool Commit(ulong addr, ulong bytes)
        {
            ulong pages = bytes / 4096;
            if (MaxCommittedPages != 0 && CommittedPages + pages > MaxCommittedPages) return false;
            if (mprotect((IntPtr)(long)addr, (UIntPtr)bytes, PROT_READ | PROT_WRITE) != 0) return false;
            CommittedPages += pages;
            return true;
        }

        /// <summary>Tests set this: CommitUncleared fills its pages with a garbage pattern, so a
        /// heap that read uncleared memory before writing it would show it.</summary>
        public static bool PoisonUncleared;

        public bool CommitUncleared(ulong addr, ulong bytes)
        {
            if (!Commit(addr, bytes)) return false;
            if (PoisonUncleared)
                for (ulong o = 0; o < bytes; o += 4096) new Span<byte>((void*)(addr + o), 4096).Fill(0xA5);
            return true;
        }

        public bool Decommit(ulong addr, ulong bytes)
        {
            bool ok = madvise((IntPtr)(long)addr, (UIntPtr)bytes, MADV_DONTNEED) == 0;
            ok &= mprotect((IntPtr)(long)addr, (UIntPtr)bytes, PROT_NONE) == 0;
            CommittedPages -= bytes / 4096;
            return ok;
        }

        public void Release(ulong addr, ulong bytes)
        {
            munmap((IntPtr)(long)addr, (UIntPtr)bytes);
        }
    }

    /// <summary>GC statistics clock for the hosted build.</summary>
    public sealed class HostedGcClock : IGcClock
    {
        public long NowTicks() { return Stopwatch.GetTimestamp(); }
        public long TicksPerSecond { get { return Stopwatch.Frequency; } }
    }
}
