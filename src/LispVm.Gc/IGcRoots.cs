// Interfaces through which the collector meets the rest of the system: extra roots
// (VM stacks, globals), a clock for GC statistics, and the panic hook used when even the
// emergency reserve is gone. All are called only on slow paths (GC, exhaustion).
namespace LispVm.Gc
{
    /// <summary>A set of root slots. At each collection the heap calls VisitRoots(heap),
    /// which must call heap.VisitRoot(ref slot) exactly once for every slot holding a Lisp
    /// value (a full GC rewrites the slot; visiting it twice would move it twice). Slots
    /// live outside the Lisp heap (C# arrays/fields); objects in the heap are traced anyway.</summary>
    public interface IGcRoots
    {
        void VisitRoots(Heap heap);
    }

    /// <summary>Monotonic time source for GC statistics.</summary>
    public interface IGcClock
    {
        long NowTicks();
        long TicksPerSecond { get; }
    }

    /// <summary>Called when the heap cannot continue (reserve exhausted, reservation failed,
    /// root stack overflow, verifier failure in stress mode). Should not return; if it does,
    /// the heap is marked dead and allocations return W.Nil.</summary>
    public interface IHeapPanic
    {
        void HeapPanic(string reason);
    }
}
