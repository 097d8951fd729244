// Per-Lisp-thread state: value stack, frame stack, dynamic bindings, catch/unwind
// entries, multiple values. Allocated once at start-up (sized arrays); several threads
// can exist and the VM switches between them at safe points (green threads).
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

public sealed class LispThread
{
    public readonly ulong[] S;        // value stack
    public int Sp;
    public readonly Frame[] F;
    public int Fc;
    public readonly ulong[] B;        // binding stack: pairs (symbol, old value)
    public int Bsp;
    public readonly CatchEntry[] C;
    public int Cc;
    public readonly ulong[] Mv = new ulong[Vm.MaxValues];
    public int Nv = 1;
    public ulong NextTag;             // unique block/tagbody ids

    // Green-thread bookkeeping (Vm/Threads.cs). Slot 0 of the pool is the main (REPL) thread.
    public int Id;
    public long Serial;               // distinguishes reuses of this pool slot
    public ThreadState State;
    public ulong Result;              // primary value when Done (GC root)
    public ulong Name;                // a Lisp string or NIL (GC root)
    /// <summary>Catch index of the run the scheduler may suspend (its outermost run), -1 if none.</summary>
    public int SwitchBase = -1;
    public int BaseFc;                // frame count that run started with
    public int StackLimit, MaxFrames; // this thread's limits (stacks differ in size)
    /// <summary>Set by %THREAD-INTERRUPT (a network session's IAC IP): the thread signals
    /// INTERACTIVE-INTERRUPT at its next safe point, other threads untouched.</summary>
    public bool InterruptPending;
    /// <summary>In %IO-WAIT since it last ran: waits for I/O, not busy (VmIoWait.cs).</summary>
    public bool IoWaiting;

    public LispThread(int stackWords, int frames, int bindings, int catches)
    {
        // At least 4096 slots above the limit: the VM indexes the stack unchecked and relies
        // on it (Compiler.MaxOperandDepth). Smaller stacks are raised to 8192 words.
        if (stackWords < 8192) stackWords = 8192;
        S = new ulong[stackWords];
        F = new Frame[frames];
        B = new ulong[bindings * 2];
        C = new CatchEntry[catches];
        StackLimit = stackWords - (stackWords >= (1 << 16) ? 8192 : 4096);
        MaxFrames = frames - (frames >= 4096 ? 512 : frames / 8);
        Result = W.Nil; Name = W.Nil;
        for (int i = 0; i < Mv.Length; i++) Mv[i] = W.Nil;
    }
}
