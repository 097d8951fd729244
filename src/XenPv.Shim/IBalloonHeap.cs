// Why: the balloon policy (Balloon.cs) must shrink the Lisp heap without knowing it: this is
// all it needs from a garbage-collected heap (collect + compact + give frames back, sizes,
// the limit). The kernel implements it over LispVm.Gc.Heap (KernelMemory.cs); unit tests
// over a fake. Sizes are bytes; "frames" here are the domain's 4 KiB frames.
namespace XenPv.Shim
{
    public interface IBalloonHeap
    {
        /// <summary>Full collection with compaction, then decommit every frame the heap does
        /// not need now (they become free frames of IBalloonFrames).</summary>
        void CollectAndTrim();
        /// <summary>Bytes of frames the heap holds now (data, nursery, side tables).</summary>
        ulong CommittedBytes { get; }
        /// <summary>Bytes of committed frames the limit measures (old space committed plus
        /// the nursery), the base Balloon.UpdateLimit adds usable free frames to. Side tables
        /// and the work stack are in CommittedBytes but not here: adding free frames to
        /// CommittedBytes counted them twice (once as frames held, once more as heap room),
        /// and a heap at its limit then ran the domain's frames out (BalloonHeapTests).</summary>
        ulong LimitedBytes { get; }
        /// <summary>Bytes live after the last collection.</summary>
        ulong LiveBytes { get; }
        /// <summary>The heap's limit in bytes: allocation past it is a storage-condition
        /// (the heap never sets it below what is in use).</summary>
        void SetLimit(ulong bytes);
    }

    /// <summary>Where the balloon's one-line reports go (the console).</summary>
    public unsafe interface IBalloonConsole
    {
        void WriteLine(byte* text, int length);
    }
}
