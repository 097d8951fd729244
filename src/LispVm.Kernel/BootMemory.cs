// Why: the image's static boot region is small (it is part of the ELF's bss); once a
// platform exists, further start-up objects (the Lisp VM's stacks and buffers) get frames
// from it. Installed as the corelib's BootHeap.Grow hook. A domain too small for start-up
// ends here with one line saying how much it needs, never with a panic.
namespace LispVm.Kernel
{
    internal static unsafe class BootMemory
    {
        static Platform s_platform;
        // Bytes of start-up objects placed on platform frames (the boot region overflowed).
        public static ulong GrownBytes;
        // The memory the whole start-up needs, once KernelLisp has estimated it (0 = unknown).
        public static ulong NeedMemoryBytes;

        public static void Install(Platform p)
        {
            s_platform = p;
            Internal.Runtime.BootHeap.Grow = &Grow;
        }

        static byte* Grow(ulong bytes)
        {
            Platform p = s_platform;
            if (p == null) return null;
            byte* r = p.Reserve(bytes);
            if (r == null || !p.Commit(r, bytes))
            {
                // Out of frames while building start-up objects: the domain is too small.
                ulong mem = p.MemoryBytes;
                if (mem != 0)
                {
                    ulong need = mem + bytes + (1UL << 20);
                    TooSmall(p, NeedMemoryBytes > need ? NeedMemoryBytes : need, mem);
                }
                return null;
            }
            GrownBytes += bytes;
            return r;
        }

        // "LispVm needs at least N MiB; this domain has M MiB", then power off (Linux: exit 1).
        public static void TooSmall(Platform p, ulong needBytes, ulong haveBytes)
        {
            p.Write(p.NewLine);
            p.Write("LispVm needs at least ");
            p.WriteDec((needBytes + (1UL << 20) - 1) >> 20);
            p.Write(" MiB; this domain has ");
            p.WriteDec(haveBytes >> 20);
            p.Write(" MiB");
            p.Write(p.NewLine);
            p.Flush();
            p.Exit(p.NewLine.Length == 2 ? 0 : 1);
        }
    }
}
