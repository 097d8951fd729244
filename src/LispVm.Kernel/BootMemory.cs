// Why: the image's static boot region is small (it is part of the ELF's bss); once a
// platform exists, further start-up objects (the Lisp VM's stacks and buffers) get frames
// from it. Installed as the corelib's BootHeap.Grow hook.
namespace LispVm.Kernel
{
    internal static unsafe class BootMemory
    {
        static Platform s_platform;
        // Bytes of start-up objects placed on platform frames (the boot region overflowed).
        public static ulong GrownBytes;

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
            if (r == null || !p.Commit(r, bytes)) return null;
            GrownBytes += bytes;
            return r;
        }
    }
}
