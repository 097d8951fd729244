// Why: C# objects in the image come from a bump allocator over a fixed region and are never
// freed (every Lisp value lives in the Lisp heap). Once start-up is declared finished
// (Sealed), any C# allocation is a bug and panics with a clear message.
using System.Runtime;

namespace Internal.Runtime
{
    public static unsafe class BootHeap
    {
        static byte* s_next;
        static byte* s_end;
        public static bool Sealed;
        // >0 while a class constructor runs: a cctor runs once per type, so its allocations
        // are bounded boot-time work even when its first use comes after start-up.
        internal static int CctorDepth;

        // More memory once the platform exists (frames): called with a byte count (a multiple of
        // 4 KiB), returns committed zeroed memory or null. The image's static region is small.
        // Small objects share 1 MiB chunks; an object of 256 KiB or more gets its own frames.
        public static delegate*<ulong, byte*> Grow;
        public static ulong TotalBytes;
        // Bytes handed out to objects and tables (what start-up really costs; TotalBytes
        // also counts the unused rest of each region).
        public static ulong AllocatedBytes;
        const ulong ChunkBytes = 1UL << 20, LargeObject = 256UL << 10;

        // The first 8 bytes stay free: every object is preceded by an 8-byte header slot.
        // The region must be zero (Alloc does not clear what it hands out).
        public static void Init(byte* start, ulong size) { s_next = start + 8; s_end = start + size; TotalBytes += size; }
        public static ulong Used(byte* start) { return (ulong)(s_next - start); }
        // Bytes left in the current region before the next Grow.
        public static ulong Available { get { return s_next == null ? 0 : (ulong)(s_end - s_next); } }

        internal static void* Alloc(ulong size)
        {
            if (Sealed && CctorDepth == 0) Panic.Fail("C# allocation after start-up (Boot.Sealed): use the Lisp heap or allocate at boot");
            size = (size + 7) & ~7UL;
            if (s_next == null || (ulong)(s_end - s_next) < size)
            {
                if (size >= LargeObject && Grow != null)
                {
                    // A large array gets frames of its own (page-rounded, with its header slot):
                    // the current chunk stays in use instead of being abandoned half full.
                    ulong big = (size + 8 + 4095) & ~4095UL;
                    byte* own = Grow(big);
                    if (own == null) Panic.Fail("boot heap exhausted (C# objects at start-up)");
                    TotalBytes += big;
                    AllocatedBytes += size;
                    return own + 8;       // Grow's memory is zeroed
                }
                ulong chunk = (size + 16 + ChunkBytes - 1) & ~(ChunkBytes - 1);
                byte* more = Grow != null ? Grow(chunk) : null;
                if (more == null) Panic.Fail("boot heap exhausted (C# objects at start-up)");
                Init(more, chunk);
            }
            byte* p = s_next;
            s_next += size;
            AllocatedBytes += size;
            // No zeroing (issue 20: it was a tenth of the boot's instructions): every region is
            // zero when it arrives (the ELF's .bss, which Xen's loader and Linux clear; Grow's
            // memory is zeroed) and the bump pointer never hands out a byte twice. On Linux this
            // also keeps an array that boot never writes (a spare thread's stacks, a table sized
            // for the worst case) out of the process's resident memory (issue 19).
            return p;
        }

        // Zeroed, 8-byte aligned memory for tables sized at boot (panics after Sealed like objects).
        public static void* AllocZeroed(ulong size) { return Alloc(size); }

        [RuntimeExport("RhpNewFast")]
        static void* RhpNewFast(MethodTable* mt)
        {
            void* o = Alloc(mt->_uBaseSize);
            *(MethodTable**)o = mt;
            return o;
        }

        [RuntimeExport("RhpNewFinalizable")]
        static void* RhpNewFinalizable(MethodTable* mt) { return RhpNewFast(mt); }

        [RuntimeExport("RhpNewArray")]
        static void* RhpNewArray(MethodTable* mt, int count)
        {
            if (count < 0) Panic.Fail("negative array length");
            ulong size = mt->_uBaseSize + (ulong)count * mt->_usComponentSize;
            void* o = Alloc(size);
            *(MethodTable**)o = mt;
            *(int*)((byte*)o + 8) = count;
            return o;
        }

        [RuntimeExport("RhpNewArrayFast")]
        static void* RhpNewArrayFast(MethodTable* mt, int count) { return RhpNewArray(mt, count); }

        [RuntimeExport("RhpNewPtrArrayFast")]
        static void* RhpNewPtrArrayFast(MethodTable* mt, int count) { return RhpNewArray(mt, count); }

        [RuntimeExport("RhNewString")]
        static void* RhNewString(MethodTable* mt, int count) { return RhpNewArray(mt, count); }

        [RuntimeExport("RhpNewArrayFastAlign8")]
        static void* RhpNewArrayFastAlign8(MethodTable* mt, int count) { return RhpNewArray(mt, count); }
    }
}
