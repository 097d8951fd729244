// How errors travel without exceptions: an instruction or builtin records a pending
// condition (type + initargs in the rooted Pend array, an optional format string literal)
// and the dispatch loop turns it into a call of %SIGNAL-BUILTIN-ERROR, so Lisp handlers
// and restarts see it like any other ERROR. Before the condition system is loaded the
// fallback prints a plain message and aborts to the outermost run.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Vm
{
    string pendFmt;
    readonly ulong[] pendFmtArgs = new ulong[3];
    int pendFmtArgN;

    void PendStart(ulong type) { ClearPend(); Pend[0] = type; PendN = 1; }
    void ClearPend() { for (int i = 0; i < Pend.Length; i++) Pend[i] = W.Nil; PendN = 0; pendFmt = null; pendFmtArgN = 0; pendFmtArgs[0] = pendFmtArgs[1] = pendFmtArgs[2] = W.Nil; }

    internal void PendType(ulong datum, S expected)
    {
        PendStart(Syms[(int)S.TypeError]);
        Pend[1] = Syms[(int)S.KwDatum]; Pend[2] = datum;
        Pend[3] = Syms[(int)S.KwExpectedType]; Pend[4] = Syms[(int)expected];
        PendN = 5;
    }

    internal void PendCell(S kind, ulong name)
    {
        PendStart(Syms[(int)kind]);
        Pend[1] = Syms[(int)S.KwName]; Pend[2] = name; PendN = 3;
    }

    internal void PendSimple(S kind, string fmt) { PendStart(Syms[(int)kind]); pendFmt = fmt; }
    internal void PendSimple1(S kind, string fmt, ulong arg) { PendSimple(kind, fmt); pendFmtArgs[0] = arg; pendFmtArgN = 1; }

    /// <summary>At a safe point: a pending interrupt (Ctrl-C) becomes resumable. The value in
    /// the top stack slot goes along as :%RESUME; %SIGNAL-BUILTIN-ERROR's CONTINUE restart
    /// returns it and the call's result is stored back into that slot (the caller lowers
    /// the return position by one), so the stack is as before and the computation goes on.</summary>
    internal bool PendResume(ulong* s, int sp)
    {
        if (PendN != 1 || Pend[0] != Syms[(int)S.InteractiveInterrupt]) return false;
        if (sp < 1 || sp + 3 + 16 >= Th.SCap) return false;
        Pend[1] = Syms[(int)S.KwResume]; Pend[2] = s[sp - 1]; PendN = 3;
        return true;
    }

    internal void PendStack() { PendSimple(S.StorageCondition, "Stack exhausted."); EnterOverflow(); }

    internal void PendArgCount(int argc, int min, int max)
    {
        LispThread th = Th;
        ulong f = th.F[th.Fc - 1].Fn;
        if (M.Type(f) == ObjType.Closure) f = M.Slot(f, 0);
        PendArgCountFor(M.Slot(f, Fn.Name), argc, min, max);
    }

    internal void PendArgCountFor(ulong name, int argc, int min, int max)
    {
        if (argc < min)
            PendSimple(S.ProgramError, max == min ? "Too few arguments (~D) to ~S, wanted ~D." : "Too few arguments (~D) to ~S, wanted at least ~D.");
        else
            PendSimple(S.ProgramError, max == min ? "Too many arguments (~D) to ~S, wanted ~D." : "Too many arguments (~D) to ~S, wanted at most ~D.");
        pendFmtArgs[0] = M.Fix(argc); pendFmtArgs[1] = name; pendFmtArgs[2] = M.Fix(argc < min ? min : max);
        pendFmtArgN = 3;
    }

    /// <summary>Turns a pending format string into :FORMAT-CONTROL/:FORMAT-ARGUMENTS initargs.
    /// Allocates: th.Sp must be current.</summary>
    internal void MaterializePend()
    {
        if (pendFmt == null) return;
        string f = pendFmt; pendFmt = null;
        Pend[PendN] = Syms[(int)S.KwFormatControl];
        Pend[PendN + 1] = Heap.MakeString(f);
        Pend[PendN + 2] = Syms[(int)S.KwFormatArguments];
        Pend[PendN + 3] = W.Nil;
        for (int i = pendFmtArgN - 1; i >= 0; i--) Pend[PendN + 3] = Heap.Cons(pendFmtArgs[i], Pend[PendN + 3]);
        PendN += 4;
        pendFmtArgN = 0;
        if (Pend[0] == Syms[(int)S.ProgramError]) Pend[0] = Intern("%SIMPLE-PROGRAM-ERROR");
        else if (Pend[0] == Syms[(int)S.ControlError]) Pend[0] = Intern("%SIMPLE-CONTROL-ERROR");
        else if (Pend[0] == Syms[(int)S.StorageCondition]) Pend[0] = Intern("%SIMPLE-STORAGE-CONDITION");
    }

    // ---------------- API for builtins ----------------

    /// <summary>"The value X is not of type TYPE." Returns Fail.</summary>
    public ulong TypeError(ulong datum, string typeName)
    {
        PendStart(Syms[(int)S.TypeError]);
        Pend[1] = Syms[(int)S.KwDatum]; Pend[2] = datum;
        Pend[3] = Syms[(int)S.KwExpectedType]; Pend[4] = Intern(typeName);
        PendN = 5;
        MaterializeForBuiltin();
        return Fail;
    }

    /// <summary>storage-condition "Heap exhausted." from a builtin (Heap.RoomFor said no).</summary>
    public ulong HeapExhausted() { PendSimple(S.StorageCondition, "Heap exhausted."); MaterializeForBuiltin(); return Fail; }
    public ulong SimpleError(string fmt) { PendSimple(S.SimpleError, fmt); MaterializeForBuiltin(); return Fail; }
    /// <summary>A program-error (bad keyword arguments to a builtin that parses its own keys).</summary>
    public ulong ProgramError(string fmt, ulong a1) { PendSimple1(S.ProgramError, fmt, a1); MaterializeForBuiltin(); return Fail; }
    /// <summary>A storage-condition (not an ERROR): a resource limit was reached. Returns Fail.</summary>
    public ulong StorageError(string fmt) { PendSimple(S.StorageCondition, fmt); MaterializeForBuiltin(); return Fail; }
    public ulong SimpleError(string fmt, ulong a1) { PendSimple1(S.SimpleError, fmt, a1); MaterializeForBuiltin(); return Fail; }
    public ulong SimpleError(string fmt, ulong a1, ulong a2)
    {
        PendSimple(S.SimpleError, fmt); pendFmtArgs[0] = a1; pendFmtArgs[1] = a2; pendFmtArgN = 2;
        MaterializeForBuiltin(); return Fail;
    }
    public ulong SimpleError(string fmt, ulong a1, ulong a2, ulong a3)
    {
        PendSimple(S.SimpleError, fmt); pendFmtArgs[0] = a1; pendFmtArgs[1] = a2; pendFmtArgs[2] = a3; pendFmtArgN = 3;
        MaterializeForBuiltin(); return Fail;
    }

    /// <summary>Signal a condition of the named type with no initargs.</summary>
    public ulong Error(string typeName) { ClearPend(); Pend[0] = Intern(typeName); PendN = 1; return Fail; }

    /// <summary>Signal a condition with initargs ("KEY" without the colon).</summary>
    public ulong Error(string typeName, string key1, ulong v1)
    {
        ClearPend();
        Pend[2] = v1;
        Pend[0] = Intern(typeName);
        Pend[1] = KeywordFor(key1);
        PendN = 3;
        return Fail;
    }

    public ulong Error(string typeName, string key1, ulong v1, string key2, ulong v2)
    {
        ClearPend();
        Pend[2] = v1; Pend[4] = v2;
        Pend[0] = Intern(typeName);
        Pend[1] = KeywordFor(key1);
        Pend[3] = KeywordFor(key2);
        PendN = 5;
        return Fail;
    }

    ulong KeywordFor(string name)
    {
        if (name.Length > 0 && name[0] == ':') return Intern(name);
        return Heap.Intern(name, Roots[(int)R.KeywordPackage]);
    }

    void MaterializeForBuiltin() { MaterializePend(); }

    /// <summary>Used when %SIGNAL-BUILTIN-ERROR is not defined yet (boot) or the stack is
    /// gone: prints the message through the platform and aborts to the outermost run.</summary>
    internal void FallbackError()
    {
        MaterializePend();
        Out.Reset();
        Out.Str(";; Error: ");
        if (PendN > 0) { Out.Value(this, Pend[0]); }
        for (int i = 1; i < PendN; i++) { Out.Str(" "); Out.Value(this, Pend[i]); }
        Out.Str("\n");
        Platform.Write(Out.Buf, Out.Len);
        ClearPend();
        PendTarget = OutermostRunBase();
    }

    internal int OutermostRunBase()
    {
        LispThread th = Th;
        for (int i = 0; i < th.Cc; i++) if (th.C[i].Kind == CatchKind.RunBase) return i;
        return 0;
    }

    /// <summary>Calls fn with the argc arguments pushed above it: the stack holds
    /// [fn a1..an] at th.Sp. Runs a nested dispatch loop; on Aborted/Unwinding the state
    /// has been unwound to this run's base and the caller must return promptly.</summary>
    public RunStatus CallNested(int argc, out ulong result)
    {
        LispThread th = Th;
        int fnPos = th.Sp - argc - 1;
        // The nested run below costs C# stack: a chain of macro expanders that call EVAL or
        // COMPILE nests here, so the C# stack is checked as well as the Lisp stacks.
        bool cStack = Heap.Stack.Exhausted();
        // Lisp stacks: grow past a soft limit, else the margin up to the committed end.
        if (th.Cc >= th.CatchLimit) RoomForCatch();
        if (th.Fc >= MaxFrames) GrowFrameStack();
        if (th.Sp + 16 > StackLimit) GrowStack(th.Sp + 16);
        if (cStack || th.Cc >= th.CCap - 4 || th.Fc >= th.FCap - 4 || th.Sp + 16 >= th.SCap - LispThread.HardMargin)
        {
            th.Sp = fnPos; result = W.Nil;
            PendSimple(S.StorageCondition, cStack ? "Stack exhausted (nested evaluation too deep)." : "Stack exhausted.");
            return RunStatus.Unwinding;
        }
        th.S[th.Sp++] = M.Fix(argc);
        int cbase = th.Cc;
        th.C[th.Cc++] = new CatchEntry { Kind = CatchKind.RunBase, Fc = th.Fc, Sp = fnPos, Bsp = th.Bsp, Tag = W.Nil };
        th.F[th.Fc++] = new Frame { Fn = Roots[(int)R.Trampoline], Bp = fnPos, Argc = 0, RetSp = fnPos, Ip = 0 };
        // The main thread's outermost run is where green threads get scheduled; nested runs
        // (and runs inside other threads) never switch.
        RunStatus st = th == Main && th.SwitchBase < 0 ? RunScheduled(th.Fc, cbase, out result) : Run(th.Fc, cbase, out result);
        if (st == RunStatus.Ok) th.Cc = cbase;
        else if (st == RunStatus.Aborted) PendUnwind = false;
        return st;
    }

    /// <summary>Push a value on the current Lisp stack (before CallNested).</summary>
    public void Push(ulong v) { Th.S[Th.Sp++] = v; }
}
