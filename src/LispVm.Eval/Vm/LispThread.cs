// Per-Lisp-thread state: value stack, frame stack, dynamic bindings, catch/unwind
// entries, multiple values. The four stacks are reserved address ranges (GrowableArrays on
// the heap's frame source) committed as deep as they are used, so recursion depth is bounded
// by memory, not by a frame count fixed at start-up; their bases never move, so the VM
// keeps raw pointers into them. Several threads can exist and the VM switches between
// them at safe points (green threads).
using System.Runtime.CompilerServices;
using LispVm.Gc;

namespace LispVm.Eval;

public struct Frame
{
    public ulong Fn;     // Function or Closure being run (GC root)
    public int Ip;       // resume offset in the code vector (saved on call)
    public int Bp;       // index of slot 0 in the value stack
    public int Argc;
    public int RetSp;    // where the caller wants the result (drops fn and args)
}

public enum CatchKind : byte { Catch, Block, Tagbody, Uwp, RunBase }

public struct CatchEntry
{
    public ulong Tag;    // catch tag / unique block id (GC root)
    public int Fc;       // frame count when established (the frame that owns it is Fc-1)
    public int Sp;       // value stack height to restore
    public int Bsp;      // binding stack height to restore
    public int Ip;       // resume offset
    public CatchKind Kind;
}

public enum ThreadState : byte { Free, Runnable, Done, Aborted }

public sealed unsafe class LispThread
{
    public readonly ulong* S;         // value stack
    public int Sp;
    public readonly Frame* F;
    public int Fc;
    public readonly ulong* B;         // binding stack: pairs (symbol, old value)
    public int Bsp;
    public readonly CatchEntry* C;
    public int Cc;
    public readonly ulong[] Mv = new ulong[Vm.MaxValues];
    public int Nv = 1;
    public ulong NextTag;             // unique block/tagbody ids

    // Green-thread bookkeeping (Vm/Threads.cs). Slot 0 of the pool is the main thread.
    public int Id;
    public long Serial;               // distinguishes reuses of this pool slot
    public ThreadState State;
    public ulong Result;              // primary value when Done (GC root)
    public ulong Name;                // a Lisp string or NIL (GC root)
    /// <summary>Catch index of the run the scheduler may suspend (its outermost run), -1 if none.</summary>
    public int SwitchBase = -1;
    public int BaseFc;                // frame count that run started with
    /// <summary>In %IO-WAIT since it last ran: waits for I/O, not busy (VmIoWait.cs).</summary>
    public bool IoWaiting;
    /// <summary>Set by %THREAD-INTERRUPT (a network session's IAC IP): the thread signals
    /// INTERACTIVE-INTERRUPT at its next safe point, other threads untouched.</summary>
    public bool InterruptPending;

    // ---- committed room (the Grow* methods raise it) ----
    readonly GrowableArrays sMem, fMem, bMem, cMem;
    /// <summary>Committed entries of each stack: nothing is ever written at or past these.</summary>
    public int SCap, FCap, BCap, CCap;
    /// <summary>Soft limits, where the VM grows the stack or, when the reservation or the
    /// frames are used up, signals storage-condition: StackLimit (value slots: ARGS checks
    /// locals + 256 against it), MaxFrames, BindLimit (pairs), CatchLimit. Between a soft
    /// limit and the committed end lies a margin in which the condition's handler runs.</summary>
    public int StackLimit, MaxFrames, BindLimit, CatchLimit;
    /// <summary>Value slots between StackLimit and SCap. ARGS never lets a function start
    /// within HardMargin of SCap (Compiler.MaxOperandDepth slots are used unchecked).</summary>
    public const int StackMargin = 8192, HardMargin = 4096;
    const int FrameMargin = 512, BindMargin = 64, CatchMargin = 16;
    // What a thread commits when it starts (main: at VM start; others: when created).
    const int FirstWords = 16384, FirstFrames = 2048, FirstBinds = 512, FirstCatches = 256;

    // ---- minor-collection watermarks (Vm.VisitRoots) ----
    /// <summary>Lowest frame count, binding height and catch height since the last
    /// collection (or lower: lower is always safe). See Vm.VisitRoots for the invariant.</summary>
    public int LowFc, LowBsp;
    /// <summary>Frame count of the innermost run going on in this thread (Vm.Run).</summary>
    public int RunBaseFc;
    /// <summary>max(LowFc, RunBaseFc): a return to a frame count below it takes doret's slow
    /// path (end of the run, or a new low for the watermark). One compare, as before.</summary>
    public int RetFloor;

    /// <summary>Reserves stacks for stackWords value slots, frames, bindings and catch
    /// entries. Commits their first part only if commitNow (the main thread); other threads
    /// commit when they are created (Start). Reserved is false if the address space was not
    /// there (the thread cannot run).</summary>
    public LispThread(IFrameSource src, int stackWords, int frames, int bindings, int catches, bool commitNow)
    {
        if (stackWords < FirstWords) stackWords = FirstWords;
        if (frames < FirstFrames) frames = FirstFrames;
        if (bindings < FirstBinds) bindings = FirstBinds;
        if (catches < FirstCatches) catches = FirstCatches;
        sMem = new GrowableArrays(src, stackWords, 0, new int[] { 8 });
        fMem = new GrowableArrays(src, frames, 0, new int[] { sizeof(Frame) });
        bMem = new GrowableArrays(src, bindings, 0, new int[] { 16 });
        cMem = new GrowableArrays(src, catches, 0, new int[] { sizeof(CatchEntry) });
        S = (ulong*)sMem.Base(0); F = (Frame*)fMem.Base(0); B = (ulong*)bMem.Base(0); C = (CatchEntry*)cMem.Base(0);
        Result = W.Nil; Name = W.Nil;
        for (int i = 0; i < Mv.Length; i++) Mv[i] = W.Nil;
        if (commitNow) Start();
    }

    /// <summary>The address space of all four stacks was reserved.</summary>
    public bool Reserved { get { return sMem.MaxCount > 0 && fMem.MaxCount > 0 && bMem.MaxCount > 0 && cMem.MaxCount > 0; } }

    /// <summary>Reserved entries (address space) of each stack.</summary>
    public int SMax { get { return sMem.MaxCount; } }
    public int FMax { get { return fMem.MaxCount; } }

    /// <summary>Pages the four stacks have committed.</summary>
    public ulong PagesCommitted { get { return sMem.PagesCommitted + fMem.PagesCommitted + bMem.PagesCommitted + cMem.PagesCommitted; } }

    /// <summary>Commits what a thread needs to start (kept if it was committed before).
    /// False when the frames are not there.</summary>
    public bool Start()
    {
        if (!Reserved) return false;
        return GrowValues(FirstWords - StackMargin) & GrowFrames(FirstFrames - FrameMargin)
            & GrowBindings(FirstBinds - BindMargin) & GrowCatches(FirstCatches - CatchMargin);
    }

    /// <summary>Commits so that `need` value slots lie below StackLimit. False when the
    /// reservation is used up or no frames are left (the limits are unchanged then).</summary>
    public bool GrowValues(int need) { return Grow(sMem, need, StackMargin, ref SCap, ref StackLimit); }
    public bool GrowFrames(int need) { return Grow(fMem, need, FrameMargin, ref FCap, ref MaxFrames); }
    public bool GrowBindings(int need) { return Grow(bMem, need, BindMargin, ref BCap, ref BindLimit); }
    public bool GrowCatches(int need) { return Grow(cMem, need, CatchMargin, ref CCap, ref CatchLimit); }

    /// <summary>One stack: room for `need` entries below its soft limit, which stays
    /// `margin` short of what is committed (cap).</summary>
    static bool Grow(GrowableArrays g, int need, int margin, ref int cap, ref int limit)
    {
        if (need <= limit) return true;
        if (need > int.MaxValue - margin || !g.Ensure(need + margin)) return false;
        cap = g.Count; limit = cap - margin;
        return true;
    }

    /// <summary>Gives back what a deep recursion committed once it is over: each stack keeps
    /// twice what is in use (with its margin), at least its first commit, and is trimmed
    /// only when it holds more than twice that. Called between top-level forms.</summary>
    public void Trim()
    {
        if (!Reserved) return;
        TrimTo(sMem, Sp, StackMargin, FirstWords, ref SCap, ref StackLimit);
        TrimTo(fMem, Fc, FrameMargin, FirstFrames, ref FCap, ref MaxFrames);
        TrimTo(bMem, Bsp, BindMargin, FirstBinds, ref BCap, ref BindLimit);
        TrimTo(cMem, Cc, CatchMargin, FirstCatches, ref CCap, ref CatchLimit);
    }

    static void TrimTo(GrowableArrays g, int inUse, int margin, int first, ref int cap, ref int limit)
    {
        int used = inUse + margin;
        int keep = used > first / 2 ? used * 2 : first;
        if (g.Count <= keep * 2) return;
        g.Trim(keep);
        cap = g.Count; limit = cap - margin;
    }

    /// <summary>Gives the stacks' address space back (the VM is being destroyed).</summary>
    public void Release()
    {
        sMem.Release(); fMem.Release(); bMem.Release(); cMem.Release();
        SCap = FCap = BCap = CCap = 0;
        StackLimit = MaxFrames = BindLimit = CatchLimit = 0;
    }

    /// <summary>After the frame count dropped (unwinding, a run ending): keeps the
    /// watermark at or below every frame count reached since the last collection.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void NoteFc()
    {
        if (Fc < LowFc) LowFc = Fc;
        RetFloor = LowFc > RunBaseFc ? LowFc : RunBaseFc;
    }
}
