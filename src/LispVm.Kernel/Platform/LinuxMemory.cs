// Why: the image run as a Linux process gets the same memory discipline as a guest: a heap
// budget the process really has, so a process and a guest compare like with like (issue 12
// item 6). In order: `--heap-limit=MB` (argv), LISPVM_HEAP_MB (environment), the memory
// cgroup's limit when one is set (v2 memory.max, v1 memory.limit_in_bytes; the smallest over
// the cgroup and its ancestors), else physical memory (sysinfo). A limit that is not an
// explicit heap size leaves 1/8 for what the heap costs outside its limit (side tables,
// nursery, stacks, the image). Frames the heap gives up go back with madvise(DONTNEED)
// (LinuxPlatform.Decommit).
// `heap-policy=cgroup` (argv word, or LISPVM_HEAP_POLICY=cgroup in the environment; issue
// 18): the budget is the cgroup's limit (less 1/8; physical memory when none) whatever
// else is given, and it is read again after every collection (the kernel does not tell a
// process that memory.max changed): LinuxPlatform.TakeHeapBudget, KernelMemory.Step.
namespace LispVm.Kernel
{
    internal enum LinuxBudgetSource { Option, Environment, Cgroup, Physical, Default }

    internal static unsafe class LinuxMemory
    {
        const long SysSysinfo = 99;
        const int PathMax = 512, FileMax = 4096;
        const ulong Unlimited = 1UL << 62;         // v1 writes 0x7ffffffffffff000 for "no limit"
        public const ulong DefaultBudget = 1UL << 30;

        public static bool FollowsCgroup(Platform p)
        {
            return p.HasOption("heap-policy=cgroup") || p.HasOption("LISPVM_HEAP_POLICY=cgroup");
        }

        public static ulong Budget(Platform p, out LinuxBudgetSource source)
        {
            if (FollowsCgroup(p)) return CgroupBudget(out source);
            ulong mb = p.OptionNumber("--heap-limit", 0);
            if (mb != 0) { source = LinuxBudgetSource.Option; return mb << 20; }
            mb = p.OptionNumber("LISPVM_HEAP_MB", 0);
            if (mb != 0) { source = LinuxBudgetSource.Environment; return mb << 20; }
            ulong limit = CgroupLimit();
            if (limit != 0) { source = LinuxBudgetSource.Cgroup; return limit - limit / 8; }
            limit = PhysicalBytes();
            if (limit != 0) { source = LinuxBudgetSource.Physical; return limit - limit / 8; }
            source = LinuxBudgetSource.Default;
            return DefaultBudget;
        }

        // The budget from the cgroup's limit now, else from physical memory (1/8 kept back).
        public static ulong CgroupBudget(out LinuxBudgetSource source)
        {
            ulong limit = CgroupLimit();
            source = LinuxBudgetSource.Cgroup;
            if (limit == 0) { limit = PhysicalBytes(); source = LinuxBudgetSource.Physical; }
            if (limit == 0) { source = LinuxBudgetSource.Default; return DefaultBudget; }
            return limit - limit / 8;
        }

        // sysinfo(2): totalram at offset 32, mem_unit (u32) at offset 104 of struct sysinfo.
        public static ulong PhysicalBytes()
        {
            ulong* si = stackalloc ulong[16];
            if (Native.Syscall(SysSysinfo, (long)si, 0, 0, 0, 0, 0) != 0) return 0;
            ulong unit = *(uint*)((byte*)si + 104);
            return si[4] * (unit == 0 ? 1 : unit);
        }

        // The smallest memory limit of this process's cgroups (v2 and v1 memory), 0 = none.
        public static ulong CgroupLimit()
        {
            byte* text = stackalloc byte[FileMax];
            int n = ReadFile("/proc/self/cgroup", null, 0, null, text, FileMax - 1);
            if (n <= 0) return 0;
            ulong best = 0;
            byte* path = stackalloc byte[PathMax];
            for (int i = 0; i < n; )
            {
                int end = i;
                while (end < n && text[end] != (byte)'\n') end++;
                // "hierarchy:controllers:path"
                int c1 = i; while (c1 < end && text[c1] != (byte)':') c1++;
                int c2 = c1 + 1; while (c2 < end && text[c2] != (byte)':') c2++;
                if (c2 < end)
                {
                    bool v2 = c1 == i + 1 && text[i] == (byte)'0' && c2 == c1 + 1;
                    bool v1 = HasWord(text + c1 + 1, c2 - c1 - 1, "memory");
                    int plen = end - (c2 + 1);
                    if ((v2 || v1) && plen > 0 && plen < PathMax)
                    {
                        for (int k = 0; k < plen; k++) path[k] = text[c2 + 1 + k];
                        ulong l = v2 ? LimitUpTree("/sys/fs/cgroup", path, plen, "/memory.max")
                                     : LimitUpTree("/sys/fs/cgroup/memory", path, plen, "/memory.limit_in_bytes");
                        if (l != 0 && (best == 0 || l < best)) best = l;
                    }
                }
                i = end + 1;
            }
            return best;
        }

        // The smallest limit in root+path/file and the same file in each ancestor of path.
        static ulong LimitUpTree(string root, byte* path, int plen, string file)
        {
            ulong best = 0;
            byte* buf = stackalloc byte[32];
            while (plen > 0)
            {
                int r = ReadFile(root, path, plen, file, buf, 31);
                if (r > 0)
                {
                    ulong v = 0; int digits = 0;
                    while (digits < r && digits < 20 && buf[digits] >= (byte)'0' && buf[digits] <= (byte)'9')
                    { v = v * 10 + (ulong)(buf[digits] - '0'); digits++; }
                    // "max" (v2) or a near-2^63 value (v1) means none.
                    if (digits > 0 && v != 0 && v < Unlimited && (best == 0 || v < best)) best = v;
                }
                while (plen > 0 && path[plen - 1] != (byte)'/') plen--;   // up one level
                if (plen > 0) plen--;
            }
            return best;
        }

        static bool HasWord(byte* list, int n, string word)
        {
            for (int i = 0; i < n; )
            {
                int e = i; while (e < n && list[e] != (byte)',') e++;
                if (e - i == word.Length)
                {
                    bool same = true;
                    for (int k = 0; k < word.Length; k++) if (list[i + k] != (byte)word[k]) { same = false; break; }
                    if (same) return true;
                }
                i = e + 1;
            }
            return false;
        }

        // Reads the file at head + middle + tail (a path in three pieces) into dst through
        // LinuxFiles.Read: bytes read, or a negative code.
        static int ReadFile(string head, byte* middle, int mlen, string tail, byte* dst, int max)
        {
            byte* p = stackalloc byte[PathMax + 64];
            int n = 0;
            for (int i = 0; i < head.Length && n < PathMax; i++) p[n++] = (byte)head[i];
            for (int i = 0; i < mlen && n < PathMax; i++) p[n++] = middle[i];
            if (tail != null) for (int i = 0; i < tail.Length && n < PathMax + 63; i++) p[n++] = (byte)tail[i];
            return (int)LinuxFiles.Read(p, n, dst, max);
        }
    }
}
