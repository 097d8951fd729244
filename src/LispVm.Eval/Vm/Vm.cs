// The virtual machine instance: heap, builtin table, symbol cache, the current Lisp
// thread and the state shared by the dispatch loop, the compiler and the builtins.
// No static mutable state: several VMs can live in one process (tests do that).
using System.Runtime.CompilerServices;
using LispVm.Gc;

namespace LispVm.Eval;

public enum RunStatus { Ok, Aborted, Unwinding, Switch }

/// <summary>Arguments of a builtin: slots of the current Lisp stack (GC roots, so a[i] is
/// current after any allocation).</summary>
public readonly unsafe struct Args
{
    readonly ulong* s;
    readonly int b;
    public readonly int Count;
    public Args(ulong* stack, int bas, int count) { s = stack; b = bas; Count = count; }
    public ulong this[int i] { [MethodImpl(MethodImplOptions.AggressiveInlining)] get { return s[b + i]; } }
    public void Set(int i, ulong v) { s[b + i] = v; }
}

public sealed unsafe partial class Vm : IGcRoots
{
    public const int MaxValues = 64;
    /// <summary>Returned by a builtin that signalled an error or must unwind (never a Lisp
    /// value: immediate subtag 0, payload 0xF0, reserved by Eval).</summary>
    public const ulong Fail = 0xF002;
    /// <summary>Returned by a builtin that asks the VM to call TailFn with TailArgc args
    /// it pushed (eval, funcall-like builtins).</summary>
    public const ulong TailCallReq = 0xF102;

    public readonly Heap Heap;
    public readonly IPlatform Platform;
    public LispThread Th;
    /// <summary>A Lisp stream's nested run unwound (CoreLispStreams.cs): the builtin that
    /// was running returns Fail so that the unwind goes on.</summary>
    public bool LispStreamFailed;
    public readonly ulong[] Syms = new ulong[(int)S.Count];
    /// <summary>Misc rooted values (see R.*).</summary>
    public readonly ulong[] Roots = new ulong[(int)R.Count];

    // Builtins.
    internal readonly delegate*<Vm, Args, ulong>[] Bfn = new delegate*<Vm, Args, ulong>[2048];
    internal int Nb;
    internal ulong BuiltinsHash = 0xcbf29ce484222325UL;   // names/arity/order of Bfn (heap image fingerprint)
    internal int BiFuncall = -1, BiApply = -1;

    // Pending builtin error: condition type and initargs (rooted).
    internal readonly ulong[] Pend = new ulong[10];
    internal int PendN;            // number of used Pend slots (0 = none)
    internal bool PendUnwind;      // a nested run asked us to continue an unwind
    internal int PendTarget;
    internal ulong TailFn; internal int TailArgc;

    /// <summary>Set by the platform (Ctrl-C); checked at safe points.</summary>
    public volatile int InterruptFlag;
    /// <summary>Safe-point budget per top-level evaluation (0 = unlimited), for fuzzing.</summary>
    public long StepLimit { get { return stepLimit; } set { stepLimit = value; RecomputeStepCap(); } }
    long stepLimit;
    internal long Steps;
    /// <summary>The dispatch loop's one counter check: the step limit or the end of the
    /// current thread's time slice, whichever comes first (0 = neither).</summary>
    internal long stepCap;
    public int MaxFrames;
    public int StackLimit;
    internal bool InOverflow;
    public readonly Compiler Comp;
    public readonly OutBuf Out = new OutBuf();

    public ulong T { [MethodImpl(MethodImplOptions.AggressiveInlining)] get { return Roots[(int)R.T]; } }

    /// <summary>Sizes of the start-up arrays: VmSizes (null = the full hosted defaults).</summary>
    public readonly VmSizes Sizes;

    /// <summary>heapFromImage: a heap image will replace the heap's contents (HeapImage.Load),
    /// so the symbols, streams and builtin function objects the image holds are not made
    /// here (issue 20: a third of the kernel's boot instructions, all thrown away); only the
    /// C# side (builtin table, reader, printer, stacks) is. If the image is refused, call
    /// InitHeapState before anything else runs.</summary>
    public Vm(Heap heap, IPlatform platform, VmSizes sizes = null, bool heapFromImage = false)
    {
        Heap = heap;
        Platform = platform;
        Sizes = sizes ?? new VmSizes();
        // The stacks are address space reserved now and committed as deep as they are used
        // (LispThread); bindings and catch entries get a quarter and an eighth as many
        // entries as frames. Without the main thread's first pages nothing can run.
        int frames = Sizes.Frames, threadFrames = Sizes.ThreadFrames;
        Th = new LispThread(heap.Frames, Sizes.StackWords, frames, frames / 4, frames / 8, true);
        if (Th.SCap == 0 || Th.FCap == 0) platform.Exit(97);
        MaxFrames = Th.MaxFrames;
        StackLimit = Th.StackLimit;
        // The green-thread pool is allocated now, never later (kernel rule: no C# allocation
        // after start-up); slot 0 is the main thread above. Their stacks commit when a
        // thread is created (CreateThread).
        Threads = new LispThread[Sizes.Threads < 1 ? 1 : Sizes.Threads];
        Threads[0] = Th; Th.State = ThreadState.Runnable; Main = Th;
        for (int i = 1; i < Threads.Length; i++)
        {
            Threads[i] = new LispThread(heap.Frames, Sizes.ThreadStackWords, threadFrames, threadFrames / 4, threadFrames / 8, false);
            Threads[i].Id = i;
        }
        heap.AddRoots(this);
        for (int i = 0; i < Roots.Length; i++) Roots[i] = W.Nil;
        for (int i = 0; i < Pend.Length; i++) Pend[i] = W.Nil;
        for (int i = 0; i < Syms.Length; i++) Syms[i] = W.Nil;
        TailFn = W.Nil;
        for (int i = 0; i < MaxValues; i++) Th.Mv[i] = W.Nil;
        Comp = new Compiler(this, Sizes.CompilerShift);
        InitIoObjects();
        heapStatePending = heapFromImage;
        if (!heapFromImage) { InitSymbols(); InitTrampoline(); InitIoHeap(); }
        Builtins.RegisterCore(this);
    }

    // Set while the heap's start-up state is left to a heap image (Builtins.Def then only
    // fills the builtin table).
    internal bool heapStatePending;

    /// <summary>The heap state a Vm made with heapFromImage left out, for when the image was
    /// refused: symbols, trampoline, streams, builtin function objects (the builtin table is
    /// filled again, identically), and *PACKAGE* as a Repl sets it.</summary>
    public void InitHeapState()
    {
        if (!heapStatePending) return;
        heapStatePending = false;
        InitSymbols();
        InitTrampoline();
        InitIoHeap();
        Nb = 0;
        BuiltinsHash = 0xcbf29ce484222325UL;
        Builtins.RegisterCore(this);
        if (ConsoleIn != null) SetSymValue(Syms[(int)S.PackageVar], Heap.UserPackage);
    }

    public ulong Sym(S s) { return Syms[(int)s]; }

    void InitSymbols()
    {
        Roots[(int)R.T] = Heap.T;
        Roots[(int)R.ClPackage] = Heap.CommonLispPackage;
        Roots[(int)R.KeywordPackage] = Heap.KeywordPackage;
        for (int i = 0; i < (int)S.Count; i++)
            Syms[i] = Intern(SymNames.Names[i]);
        // Names builtins look up by string: interned now so that later lookups never
        // allocate (a builtin may hold unrooted values across them).
        string[] pre = { ":ELEMENT-TYPE", ":INITIAL-ELEMENT", ":INITIAL-CONTENTS", ":FILL-POINTER", ":ADJUSTABLE",
            ":TEST", ":START", ":END", "CHARACTER", "BASE-CHAR", "STANDARD-CHAR", "BIT", "EQUAL", "EQUALP", "EQL",
            ":INTERNAL", ":EXTERNAL", ":INHERITED", ":BT", "BACKTRACE", "%REPL-EVAL", "%EVAL-TOPLEVEL",
            "%SIMPLE-PROGRAM-ERROR",
            "%SIMPLE-CONTROL-ERROR", "%SIMPLE-STORAGE-CONDITION", "%SIMPLE-READER-ERROR", "END-OF-FILE",
            "PACKAGE-ERROR", "DIVISION-BY-ZERO", "FLOATING-POINT-OVERFLOW", "PRINT-NOT-READABLE", ":STREAM",
            ":PACKAGE", ":OBJECT", ":NAME" };
        for (int i = 0; i < pre.Length; i++) Intern(pre[i]);
    }

    void InitTrampoline()
    {
        ulong code = Heap.AllocRaw(ObjType.ByteVector, 2);
        M.Raw(code)[0] = (byte)Op.MvCallN; M.Raw(code)[1] = (byte)Op.Ret;
        int m = Heap.RootMark(); int rc = Heap.PushRoot(code);
        int rn = Heap.PushRoot(Intern("%TOPLEVEL"));
        ulong fo = Heap.AllocBoxed(ObjType.Function, Fn.Size);
        Heap.SetSlot(fo, Fn.Code, Heap.Root(rc));
        Heap.SetSlot(fo, Fn.Name, Heap.Root(rn));
        Heap.SetSlot(fo, Fn.Arity, M.Fix(0));
        Heap.SetSlot(fo, Fn.Builtin, M.Fix(-1));
        Roots[(int)R.Trampoline] = fo;
        Heap.PopRoots(m);
    }

    /// <summary>Intern in COMMON-LISP, or in KEYWORD for a leading colon.
    /// Finding an existing symbol allocates nothing.</summary>
    public ulong Intern(string name)
    {
        if (name.Length > 0 && name[0] == ':')
        {
            byte* buf = stackalloc byte[128];
            int n = 0;
            for (int i = 1; i < name.Length && n < 127; i++) buf[n++] = (byte)name[i];
            return Heap.InternBytes(buf, n, Roots[(int)R.KeywordPackage]);
        }
        // A new name stays internal: only the 978 standard symbols are external in
        // COMMON-LISP (lisp/98-exports.lisp), and a lookup by name must not export one.
        return Heap.Intern(name, Roots[(int)R.ClPackage]);
    }

    public void VisitRoots(Heap heap)
    {
        for (int t = 0; t < Threads.Length; t++)
        {
            LispThread th = Threads[t];
            if (th.State == ThreadState.Free) continue;
            VisitStacks(heap, th);
            for (int i = 0; i < MaxValues; i++) heap.VisitRoot(ref th.Mv[i]);
            heap.VisitRoot(ref th.Result);
            heap.VisitRoot(ref th.Name);
        }
        for (int i = 0; i < Syms.Length; i++) heap.VisitRoot(ref Syms[i]);
        for (int i = 0; i < Roots.Length; i++) heap.VisitRoot(ref Roots[i]);
        for (int i = 0; i < Pend.Length; i++) heap.VisitRoot(ref Pend[i]);
        heap.VisitRoot(ref TailFn);
        heap.VisitRoot(ref GrowCallee);
        for (int i = 0; i < pendFmtArgs.Length; i++) heap.VisitRoot(ref pendFmtArgs[i]);
        Comp.VisitRoots(heap);
    }

    // ---- symbol helpers (NIL's symbol data live in heap.NilSymbol) ----
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong SymObj(ulong sym) { return sym == W.Nil ? Heap.NilSymbol : sym; }
    public ulong SymValue(ulong sym) { return sym == W.Nil ? W.Nil : M.Slot(sym, Sy.Value); }
    public ulong SymFunction(ulong sym) { return M.Slot(SymObj(sym), Sy.Function); }
    public long SymFlags(ulong sym) { return M.FixVal(M.Slot(SymObj(sym), Sy.Flags)); }
    public bool IsSpecial(ulong sym) { return (SymFlags(sym) & SymbolFlags.Special) != 0; }
    public void SetSymFlag(ulong sym, long flag)
    {
        ulong o = SymObj(sym);
        Heap.SetSlot(o, Sy.Flags, M.Fix(M.FixVal(M.Slot(o, Sy.Flags)) | flag));
    }
    public void SetSymValue(ulong sym, ulong v) { if (sym != W.Nil) Heap.SetSlot(sym, Sy.Value, v); }
    public void SetSymFunction(ulong sym, ulong f) { Heap.SetSlot(SymObj(sym), Sy.Function, f); }
    public ulong Bool(bool b) { return b ? Roots[(int)R.T] : W.Nil; }

    public bool IsMacroCell(ulong f) { return W.IsCons(f) && M.Car(f) == Syms[(int)S.MacroMarker]; }

    // ---- multiple values for builtins ----
    public ulong Values(ulong a, ulong b) { Th.Mv[0] = a; Th.Mv[1] = b; Th.Nv = 2; return a; }
    public ulong Values(ulong a, ulong b, ulong c) { Th.Mv[0] = a; Th.Mv[1] = b; Th.Mv[2] = c; Th.Nv = 3; return a; }
    public ulong NoValues() { Th.Nv = 0; return W.Nil; }
    public ulong[] Mv { get { return Th.Mv; } }
    public ulong ValuesN(int n) { Th.Nv = n; return n == 0 ? W.Nil : Th.Mv[0]; }
}

/// <summary>Indices into Vm.Roots.</summary>
public enum R
{
    T, ClPackage, KeywordPackage, Trampoline, LastCondition, Backtrace, ErrorMessage, ConsoleOut, PrintStream, ReadStream, Tmp0, Tmp1, FileStore, MarrayLayout, Count
}
