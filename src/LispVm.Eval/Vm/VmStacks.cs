// Why: the Lisp stacks are bounded by memory, not by a frame count (LispThread): where the
// dispatch loop already compares against a limit (ARGS, a call's frame push, BIND, CATCH)
// its slow path lands here and commits more before it signals storage-condition. And a
// minor collection scans only the part of each stack written since the previous
// collection (the watermark), so a deep stack does not lengthen every minor pause.
// The dispatch loop's helpers here are NoInlining: inlined, their temporaries cost the
// loop registers on its hot paths (callgrind: +2.4% instructions on tak).
using System.Runtime.CompilerServices;
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Vm
{
    /// <summary>Gives every thread's stacks back (hosts that destroy a VM and its heap in
    /// a process that goes on: tests). The VM cannot run afterwards.</summary>
    public void ReleaseStacks()
    {
        for (int i = 0; i < Threads.Length; i++) Threads[i].Release();
        StackLimit = 0; MaxFrames = 0;
    }

    /// <summary>Between top-level forms (Repl): the running thread's stacks give back what a
    /// deep recursion committed (LispThread.Trim).</summary>
    public void TrimStacks()
    {
        if (InOverflow) return;        // its handler is still in the margins
        Th.Trim();
        StackLimit = Th.StackLimit; MaxFrames = Th.MaxFrames;
    }

    /// <summary>Room for `need` value slots below StackLimit, committing more if needed.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    bool GrowStack(int need)
    {
        if (!Th.GrowValues(need)) return false;
        StackLimit = Th.StackLimit;
        return true;
    }

    // A call in progress while framegrow (VmRun.cs) commits frames: callee is rooted.
    ulong GrowCallee = W.Nil;
    int GrowArgc, GrowRetSp;
    bool GrowTail;

    /// <summary>A stack overflow is signalled: its handler runs in the margins, so the
    /// VM's limits move up to the hard ones (value slots HardMargin short of the committed
    /// end, two frames short): ARGS and the frame push check against these, and past them
    /// (argsgrow, framegrow in VmRun.cs) end in hardoverflow.</summary>
    internal void EnterOverflow()
    {
        InOverflow = true;
        StackLimit = Th.SCap - LispThread.HardMargin;
        MaxFrames = Th.FCap - 2;
    }

    /// <summary>Unwound well below the overflow: the thread's own limits again.</summary>
    internal void EndOverflow()
    {
        InOverflow = false;
        StackLimit = Th.StackLimit;
        MaxFrames = Th.MaxFrames;
    }

    /// <summary>doret's slow path (fc below th.RetFloor): lowers the watermark by a chunk of
    /// frames, so a long chain of returns comes here once per 64 (lower than reached is
    /// safe: a collection only scans more). True when the run ends (fc below its base).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    static bool ReturnBelowFloor(LispThread th, int fc, int baseFc)
    {
        if (fc < th.LowFc) th.LowFc = fc > 64 ? fc - 64 : 0;
        th.RetFloor = th.LowFc > baseFc ? th.LowFc : baseFc;
        return fc < baseFc;
    }

    /// <summary>Room for one more frame below MaxFrames, committing more if needed.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    bool GrowFrameStack()
    {
        if (!Th.GrowFrames(Th.Fc + 1)) return false;
        MaxFrames = Th.MaxFrames;
        return true;
    }

    /// <summary>Room for one more binding; while a stack overflow is being handled, the
    /// margin above BindLimit too.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    bool RoomForBinding()
    {
        LispThread th = Th;
        return th.GrowBindings(th.Bsp + 1) || (InOverflow && th.Bsp < th.BCap - 1);
    }

    /// <summary>Room for one more catch entry (and in overflow, the margin but 4).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    bool RoomForCatch()
    {
        LispThread th = Th;
        return th.GrowCatches(th.Cc + 1) || (InOverflow && th.Cc < th.CCap - 4);
    }

    // Watermark scanning. Invariant: a minor collection copies every nursery object it
    // reaches into the old space (Collector.Minor.cs: no aging), and a full collection
    // slides the nursery's survivors into the old space too; after either, no stack slot
    // points into the nursery, and old objects move only in a full collection, which
    // visits every slot. So at a minor collection a slot needs visiting only if it was
    // written since the previous collection. Writes go only to the top frame's part of the
    // stacks: a frame writes its own slots (from its Bp up) and, when it returns, its
    // caller's result slot (which makes the caller the top frame). With LowFc at or below
    // every frame count since the last collection, frames below LowFc - 1 have not been
    // the top frame since, so F[0 .. LowFc-2] and the value slots below F[LowFc-1].Bp are
    // as the last collection left them. Catch entries are nested like frames (an entry's
    // Fc is the frame count when it was made, non-decreasing up the catch stack), so those
    // with Fc below LowFc are old too. Bindings are written when pushed, and all of them
    // when green threads switch (SwapBindings resets LowBsp). Every place the frame count
    // drops updates LowFc: doret (through RetFloor), unwinding and a run's end (NoteFc).
    void VisitStacks(Heap heap, LispThread th)
    {
        int s0 = 0, f0 = 0, c0 = 0, b0 = 0;
        if (heap.CollectingMinor)
        {
            int lf = th.LowFc < th.Fc ? th.LowFc : th.Fc;
            if (lf > 0) { f0 = lf - 1; s0 = th.F[f0].Bp; }
            if (s0 > th.Sp || s0 < 0) s0 = 0;           // (never expected: then scan it all)
            c0 = th.Cc;
            while (c0 > 0 && th.C[c0 - 1].Fc >= lf) c0--;
            b0 = th.LowBsp < th.Bsp ? th.LowBsp : th.Bsp;
        }
        for (int i = s0; i < th.Sp; i++) heap.VisitRoot(ref th.S[i]);
        for (int i = f0; i < th.Fc; i++) heap.VisitRoot(ref th.F[i].Fn);
        for (int i = b0 * 2; i < th.Bsp * 2; i++) heap.VisitRoot(ref th.B[i]);
        for (int i = c0; i < th.Cc; i++) heap.VisitRoot(ref th.C[i].Tag);
        if (heap.RootsCleaned)
        {
            th.LowFc = th.Fc;
            th.LowBsp = th.Bsp;
            th.RetFloor = th.LowFc > th.RunBaseFc ? th.LowFc : th.RunBaseFc;
        }
    }
}
