// Why: where the frame allocator puts things in the guest's virtual address space, computed
// once at boot from the end of the boot mapping and the domain's maximum (MaxFrames), so
// every region is sized for the largest the domain can become and never moves:
//   [HeapBase, HeapTop)   address space handed out by Reserve (the Lisp heap and friends)
//   [P2mBase, +P2mBytes)  our P2M, one u64 MFN per PFN up to MaxFrames, committed lazily
//   [StackBase, +..)      free-frame stack (from the start) and returned-PFN stack (from the end)
//   [WindowBase, ..)      the table window: every page table we create, mapped read-only at a
//                         slot computed from the VA it serves, then 512 scratch slots
// The span [HeapBase, SpanEnd) is what the window covers; the window's own L1 tables are
// made at boot (no linear or recursive page tables). Pure arithmetic: unit-tested alone.
namespace XenPv.Shim
{
    public struct FrameLayout
    {
        public const ulong GiB = 1UL << 30, TwoMiB = 1UL << 21;
        // 256 GiB: the window (1 slot per 2 MiB of span) must fit one L2 table (1 GiB of VA).
        public const ulong MaxSupportedFrames = 1UL << 26;
        public const ulong LowerHalfEnd = 0x0000800000000000UL;
        public const int ScratchSlots = 512;

        public ulong MaxFrames;
        public ulong HeapBase, HeapTop, P2mBase, P2mBytes, StackBase, StackBytes, SpanEnd;
        public ulong WindowBase;
        public ulong L1Slots, L2Slots, L3Slots, ScratchFirst, WindowSlots;
        public ulong L4First;              // L4 index of HeapBase

        static ulong RoundUp(ulong x, ulong a) { return (x + a - 1) & ~(a - 1); }

        // mapEnd: end of the boot mapping (VA). False when the numbers cannot be laid out.
        public static bool Compute(ulong mapEnd, ulong maxFrames, out FrameLayout l)
        {
            l = new FrameLayout();
            if (maxFrames == 0 || maxFrames > MaxSupportedFrames || mapEnd == 0) return false;
            l.MaxFrames = maxFrames;
            // The heap starts on a 1 GiB boundary past the boot mapping, so none of its page
            // tables (L2 and below) is one of the builder's.
            l.HeapBase = RoundUp(mapEnd, GiB);
            if (l.HeapBase < GiB) l.HeapBase = GiB;
            ulong maxBytes = maxFrames * 4096;
            // Room for a heap reserved for the maximum plus its side tables and boot chunks.
            l.HeapTop = l.HeapBase + RoundUp(maxBytes + maxBytes / 2 + GiB, GiB);
            l.P2mBase = l.HeapTop;
            l.P2mBytes = RoundUp(maxFrames * 8, TwoMiB);
            l.StackBase = l.P2mBase + l.P2mBytes;
            l.StackBytes = RoundUp(maxFrames * 4, TwoMiB);
            l.SpanEnd = RoundUp(l.StackBase + l.StackBytes, GiB);
            ulong span = l.SpanEnd - l.HeapBase;
            l.L1Slots = span >> 21;
            l.L2Slots = span >> 30;
            l.L4First = l.HeapBase >> 39;
            l.L3Slots = ((l.SpanEnd - 1) >> 39) - l.L4First + 1;
            l.ScratchFirst = RoundUp(l.L1Slots + l.L2Slots + l.L3Slots, 512);
            l.WindowSlots = l.ScratchFirst + ScratchSlots;
            l.WindowBase = l.SpanEnd;
            if (l.WindowSlots * 4096 > GiB) return false;
            if (l.WindowBase + GiB > LowerHalfEnd) return false;
            return true;
        }

        public bool InSpan(ulong va) { return va >= HeapBase && va < SpanEnd; }
        // Window slot of the table of `level` (1..3) that maps va (va in the span).
        public ulong Slot(int level, ulong va)
        {
            if (level == 1) return (va - HeapBase) >> 21;
            if (level == 2) return L1Slots + ((va - HeapBase) >> 30);
            return L1Slots + L2Slots + ((va >> 39) - L4First);
        }
        public ulong SlotVa(ulong slot) { return WindowBase + slot * 4096; }
        public ulong ScratchVa(int i) { return WindowBase + (ScratchFirst + (ulong)i) * 4096; }
        // The window's own L1 tables (made at boot), one per 512 slots.
        public ulong WindowL1Count { get { return WindowSlots / 512; } }
    }
}
