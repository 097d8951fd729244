// Where the heap's memory comes from. The heap reserves one contiguous virtual range up
// front and commits/decommits pages inside it as it grows and shrinks; hosted this is
// mmap/mprotect, in the kernel it maps machine frames (and gives them back for ballooning).
namespace LispVm.Gc
{
    public interface IFrameSource
    {
        /// <summary>Page size in bytes (a power of two, normally 4096).</summary>
        ulong PageSize { get; }
        /// <summary>Reserve `bytes` of address space (page-aligned). Returns the base or 0.</summary>
        ulong Reserve(ulong bytes);
        /// <summary>Make pages [addr, addr+bytes) readable, writable and zero-filled.
        /// Both page-aligned and inside a reservation; never called for committed pages.
        /// False if no frames are left.</summary>
        bool Commit(ulong addr, ulong bytes);
        /// <summary>Like Commit, but the pages' contents are unspecified (frames of our own
        /// domain: Xen-scrubbed or our old heap data): for memory the heap always writes
        /// before it reads (nursery, old space). Saves zeroing every page of the heap (issue 20).</summary>
        bool CommitUncleared(ulong addr, ulong bytes);
        /// <summary>Give the frames behind [addr, addr+bytes) back; the range stays reserved.
        /// False if some could not be given back: the heap counts it (Heap.DecommitFailures)
        /// and treats the range as decommitted anyway (Commit must accept pages still mapped).</summary>
        bool Decommit(ulong addr, ulong bytes);
        /// <summary>Give a whole reservation back (heap destroyed).</summary>
        void Release(ulong addr, ulong bytes);
    }
}
