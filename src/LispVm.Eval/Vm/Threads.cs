// Green threads: a pool of LispThreads sized when the VM starts (no allocation later),
// switched only at safe points of a thread's outermost run (Run returns Switch with its
// registers saved in the thread; the scheduler below resumes another thread's run).
// Special bindings are shallow (value cells hold the running thread's values): a switch
// swaps the leaving thread's bindings out and the entering thread's bindings in.
// Nested runs (a builtin calling back into Lisp) never switch, so C# frames stay on one
// thread. Background threads run while some thread is evaluating; at an idle REPL
// prompt they wait (thread-yield, join-thread or sleep at the prompt lets them run).
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Vm
{
    /// <summary>Safe points between switches when more than one thread is alive.</summary>
    public long TimeSlice = 20000;
    public readonly LispThread[] Threads;
    internal readonly LispThread Main;
    internal int LiveThreads = 1;
    internal bool YieldRequested;
    long threadSerial;

    /// <summary>A thread's Lisp handle: a fixnum (serial * 256 + pool slot).</summary>
    internal static long Handle(LispThread t) { return (t.Serial << 8) | (long)t.Id; }

    internal LispThread FromHandle(long h)
    {
        int id = (int)(h & 255);
        if (h < 0 || id >= Threads.Length) return null;
        LispThread t = Threads[id];
        return t.Serial == (h >> 8) && t.State != ThreadState.Free ? t : null;
    }

    public void ResetSteps() { Steps = 0; RecomputeStepCap(); }

    internal void RecomputeStepCap()
    {
        long cap = stepLimit;
        if (LiveThreads > 1 || YieldRequested)
        {
            long slice = YieldRequested ? Steps : Steps + TimeSlice;
            if (cap == 0 || slice < cap) cap = slice;
            if (cap < 1) { Steps = 1; cap = 1; }
        }
        stepCap = cap;
    }

    /// <summary>Makes the next safe point of the running thread consider a switch.</summary>
    internal void RequestYield() { YieldRequested = true; RecomputeStepCap(); }

    /// <summary>Safe point of a run whose catch base is runBase: 0 = go on, 1 = a condition
    /// is pending (signal), 2 = suspend this thread (Run returns Switch).</summary>
    int SafePointAt(int runBase)
    {
        bool canSwitch = Th.SwitchBase == runBase && LiveThreads > 1;
        // Ctrl-C is meant for the REPL: a background thread hands over to main first.
        if (InterruptFlag != 0 && canSwitch && Th != Main && Main.SwitchBase >= 0) { YieldRequested = false; RecomputeStepCap(); return 2; }
        if (Th.InterruptPending) return ThreadInterrupt();
        if (InterruptFlag != 0 || Heap.StorageExhausted || (stepLimit != 0 && Steps > stepLimit))
        {
            bool r = SafePoint();
            RecomputeStepCap();
            if (r) return 1;
            // The kernel's poll interval (StepLimit with a Poller) is as long as a slice: a
            // poll that signals nothing still ends the slice (else a busy thread never switched).
        }
        bool want = YieldRequested || LiveThreads > 1;
        YieldRequested = false;
        RecomputeStepCap();
        return want && canSwitch && OtherRunnable() ? 2 : 0;
    }

    bool OtherRunnable()
    {
        for (int i = 0; i < Threads.Length; i++)
        {
            LispThread t = Threads[i];
            if (t != Th && t.State == ThreadState.Runnable && t.SwitchBase >= 0) return true;
        }
        return false;
    }

    LispThread NextRunnable(LispThread cur)
    {
        if (InterruptFlag != 0 && Main.SwitchBase >= 0) return Main;
        int n = Threads.Length;
        for (int k = 1; k <= n; k++)
        {
            LispThread t = Threads[(cur.Id + k) % n];
            if (t.State == ThreadState.Runnable && t.SwitchBase >= 0) return t;
        }
        return Main;
    }

    /// <summary>Exchanges each binding's saved value with the symbol's current value: from
    /// the top down takes a thread's bindings out, from the bottom up puts them back.</summary>
    void SwapBindings(LispThread t, bool leaving)
    {
        int n = t.Bsp;
        for (int k = 0; k < n; k++)
        {
            int i = leaving ? n - 1 - k : k;
            ulong sym = t.B[i * 2];
            ulong cur = M.Slot(sym, Sy.Value);
            Heap.SetSlot(sym, Sy.Value, t.B[i * 2 + 1]);
            t.B[i * 2 + 1] = cur;
        }
        t.LowBsp = 0;      // every saved value was rewritten: a minor collection scans them all
    }

    void SwitchTo(LispThread next)
    {
        if (next == Th) return;
        SwapBindings(Th, true);
        SwapBindings(next, false);
        Th = next;
        next.IoWaiting = false;     // it runs again: busy until its next %IO-WAIT
        StackLimit = next.StackLimit;
        MaxFrames = next.MaxFrames;
        InOverflow = false;
    }

    /// <summary>The main thread's outermost run: runs it, and whenever a run says Switch,
    /// resumes the next runnable thread until main's run finishes.</summary>
    internal RunStatus RunScheduled(int baseFc, int cbase, out ulong result)
    {
        LispThread main = Th;
        main.SwitchBase = cbase; main.BaseFc = baseFc;
        RunStatus st = Run(baseFc, cbase, out result);
        LispThread cur = main;
        while (st == RunStatus.Switch)
        {
            LispThread next = NextRunnable(cur);
            SwitchTo(next);
            st = Run(next.BaseFc, next.SwitchBase, out ulong r);
            if (next == main) { result = r; cur = main; continue; }
            if (st != RunStatus.Switch) { FinishThread(next, st, r); st = RunStatus.Switch; }
            cur = next;
        }
        main.SwitchBase = -1;
        return st;
    }

    void FinishThread(LispThread t, RunStatus st, ulong r)
    {
        t.State = st == RunStatus.Ok ? ThreadState.Done : ThreadState.Aborted;
        t.Result = st == RunStatus.Ok ? r : W.Nil;
        PendUnwind = false;
        PendN = 0;
        t.SwitchBase = -1;
        t.Sp = 0; t.Fc = 0; t.Cc = 0; t.Bsp = 0;
        t.LowFc = 0; t.LowBsp = 0; t.RunBaseFc = 0; t.RetFloor = 0;
        t.Trim();          // back to its first commit
        t.InterruptPending = false;
        LiveThreads--;
        RecomputeStepCap();
    }

    /// <summary>Starts fn (no arguments) on a free pool thread; -1 if the pool is full.
    /// The thread runs at the next switch.</summary>
    internal int CreateThread(ulong fn, ulong name)
    {
        for (int i = 1; i < Threads.Length; i++)
        {
            LispThread t = Threads[i];
            if (t.State == ThreadState.Runnable) continue;
            // Done/aborted threads keep their result until their slot is reused.
            if (t.State != ThreadState.Free && t.Result != W.Nil && FreeSlotExists(i)) continue;
            // Its stacks commit their first pages now (kept when the slot is reused).
            if (!t.Start()) return -1;
            t.Sp = 0; t.Fc = 0; t.Cc = 0; t.Bsp = 0; t.Nv = 1;
            t.LowFc = 0; t.LowBsp = 0; t.RunBaseFc = 0; t.RetFloor = 0;
            t.S[t.Sp++] = fn;
            t.S[t.Sp++] = M.Fix(0);
            t.C[t.Cc++] = new CatchEntry { Kind = CatchKind.RunBase, Fc = 0, Sp = 0, Bsp = 0, Tag = W.Nil };
            t.F[t.Fc++] = new Frame { Fn = Roots[(int)R.Trampoline], Bp = 0, Argc = 0, RetSp = 0, Ip = 0 };
            t.SwitchBase = 0; t.BaseFc = 1;
            t.Result = W.Nil; t.Name = name; t.Serial = ++threadSerial;
            t.State = ThreadState.Runnable;
            LiveThreads++;
            RecomputeStepCap();
            return i;
        }
        return -1;
    }

    bool FreeSlotExists(int after)
    {
        for (int i = after + 1; i < Threads.Length; i++) if (Threads[i].State == ThreadState.Free) return true;
        return false;
    }
}
