// Why: an end-to-end check that the engine compiled into the image really runs there
// (ILC only compiles what is reachable, so this also roots the heap code): the hidden
// command `#heap` builds and collects a list in a Lisp heap and prints the numbers.
#if LISPVM_ENGINE
using LispVm.Gc;

namespace LispVm.Kernel
{
    internal static unsafe class EngineSmoke
    {
        static Heap s_heap;

        // Boot time (allocates C# objects): before BootHeap.Sealed.
        public static void Prepare(Platform p)
        {
            HeapOptions o = new HeapOptions();
            o.LimitBytes = 16UL << 20;
            o.NurseryBytes = 2UL << 20;
            o.ReserveBytes = 2UL << 20;
            o.RootStackEntries = 4096;
            o.Clock = new KernelClock(p, false);
            o.Panic = new KernelHeapPanic();
            s_heap = new Heap(new KernelFrameSource(p), o.LimitBytes, o);
        }

        public static void Run(Platform p)
        {
            Heap h = s_heap;
            if (h == null) { p.WriteLine("heap: not available"); return; }
            int mark = h.RootMark();
            int slot = h.PushRoot(W.Nil);
            for (long i = 0; i < 200000; i++)
                h.SetRoot(slot, h.Cons(W.Fix(i), h.Root(slot)));
            h.Collect(true);
            long sum = 0, n = 0;
            for (ulong l = h.Root(slot); l != W.Nil; l = h.Cdr(l)) { sum += W.FixVal(h.Car(l)); n++; }
            h.PopRoots(mark);
            HeapStats s = h.Stats;
            p.Write("heap: ");
            p.WriteDec((ulong)n);
            p.Write(" conses, sum ");
            p.WriteDec((ulong)sum);
            p.Write(", minor ");
            p.WriteDec(s.MinorCollections);
            p.Write(", full ");
            p.WriteDec(s.FullCollections);
            p.Write(", frames ");
            p.WriteDec(s.FramesCommitted);
            p.Write(p.NewLine);
        }
    }
}
#endif
