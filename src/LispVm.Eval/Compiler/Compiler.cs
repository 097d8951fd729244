// Compiler state: forms -> bytecode in one pass, with in-place patching. Every function
// being compiled owns a segment on top of a work arena; when it is finished its code moves
// to a done arena, and at the end of the top-level form all functions become heap objects.
// Variables that turn out to be captured by a closure AND assigned get a value cell: all
// their access sites were recorded and are patched (LOCAL -> LOCALC ...) at scope end.
// Every heap value the compiler holds across a possible collection (macroexpansion runs
// Lisp code) lives in the rooted array R; C# locals are reloaded from it after such calls.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Compiler
{
    public const int MaxDepth = 2000;
    readonly Vm vm;
    readonly Heap heap;

    // Rooted form stack.
    readonly ulong[] R;
    int rtop;

    struct FuncRec
    {
        public int Parent, Start, Len, NLocals, CurLocals, Depth, Dyn, NCap, CapHead, NConst, ConstHead;
        public int ArgsPos, DoneStart, FixHead, MaxDepth;
        public bool Done;
    }
    readonly FuncRec[] funcs;
    readonly ulong[] funcName;
    readonly ulong[] funcLL;
    readonly ulong[] funcObj;
    int nfuncs, cf = -1;

    readonly byte[] work;
    int wtop;
    readonly byte[] done;
    int dtop;
    bool overflow;

    struct VarRec { public int Func, Slot, PatchHead; public bool Captured, Assigned; }
    readonly VarRec[] vars;
    int nvars;

    struct PatchRec { public int Func, Off, Next; }
    readonly PatchRec[] patches;
    int npatches;

    // Environment: kinds below; names/values rooted.
    const byte EVar = 1, ESpecial = 2, EFun = 3, EMacro = 4, ESymMacro = 5, EBlock = 6, ETag = 7;
    readonly byte[] envKind;
    readonly int[] envIndex;
    readonly int[] envAux;
    readonly ulong[] envName;
    readonly ulong[] envValue;
    int ntop, envBase;

    struct BlockRec { public int Func, Depth, Dyn, Ctx, TagVar, EntryPos, ExitLocal, ExitThrow, CrossHead, TagLabel0, NTags, ExitLabel; public bool Real, TailMode; }
    readonly BlockRec[] blocks;
    int nblocks;

    readonly int[] labelPos;
    int nlabels;
    struct FixRec { public int Label, Off, Next; }
    readonly FixRec[] fixes;
    int nfixes;

    struct ConstRec { public int Index, Next; public bool IsFunc; }
    readonly ConstRec[] constRecs;
    readonly ulong[] constVal;
    int nconsts;

    struct CapRec { public int Var, Index, Next; }
    readonly CapRec[] caps;
    int ncaps;

    int depth;

    /// <summary>shift (0..4, VmSizes.CompilerShift) divides every capacity below by 2^shift:
    /// a smaller guest compiles smaller top-level forms ("Form too large to compile.").</summary>
    public Compiler(Vm vm, int shift = 0)
    {
        this.vm = vm; heap = vm.Heap;
        if (shift < 0) shift = 0;
        if (shift > 4) shift = 4;
        R = new ulong[(1 << 16) >> shift];
        funcs = new FuncRec[4096 >> shift];
        funcName = new ulong[4096 >> shift];
        funcLL = new ulong[4096 >> shift];
        funcObj = new ulong[4096 >> shift];
        work = new byte[(1 << 20) >> shift];
        done = new byte[(1 << 20) >> shift];
        vars = new VarRec[(1 << 15) >> shift];
        patches = new PatchRec[(1 << 17) >> shift];
        envKind = new byte[(1 << 15) >> shift];
        envIndex = new int[(1 << 15) >> shift];
        envAux = new int[(1 << 15) >> shift];
        envName = new ulong[(1 << 15) >> shift];
        envValue = new ulong[(1 << 15) >> shift];
        blocks = new BlockRec[(1 << 14) >> shift];
        labelPos = new int[(1 << 16) >> shift];
        fixes = new FixRec[(1 << 17) >> shift];
        constRecs = new ConstRec[(1 << 16) >> shift];
        constVal = new ulong[(1 << 16) >> shift];
        caps = new CapRec[(1 << 14) >> shift];
        tmpInts = new int[(1 << 14) >> shift];
        scanStack = new ulong[256];
    }

    /// <summary>Off: code is kept as emitted (tests compare both; see Peephole.cs).</summary>
    public bool UsePeephole = true;

    public void VisitRoots(Heap h)
    {
        for (int i = 0; i < rtop; i++) h.VisitRoot(ref R[i]);
        for (int i = 0; i < nfuncs; i++) { h.VisitRoot(ref funcName[i]); h.VisitRoot(ref funcLL[i]); h.VisitRoot(ref funcObj[i]); }
        for (int i = 0; i < ntop; i++) { h.VisitRoot(ref envName[i]); h.VisitRoot(ref envValue[i]); }
        for (int i = 0; i < nconsts; i++) if (!constRecs[i].IsFunc) h.VisitRoot(ref constVal[i]);
    }

    int P(ulong v) { if (rtop >= R.Length) { overflow = true; return R.Length - 1; } R[rtop] = v; return rtop++; }
    ulong Sym(S s) { return vm.Syms[(int)s]; }

    // ---------------- errors ----------------
    bool Err(string msg) { vm.PendSimple(S.ProgramError, msg); return false; }
    bool ErrStorage(string msg) { vm.PendSimple(S.StorageCondition, msg); return false; }
    bool Err1(string msg, ulong arg) { vm.PendSimple1(S.ProgramError, msg, arg); return false; }

    // ---------------- emission ----------------
    int Here { get { return funcs[cf].Len; } }
    void E(int b)
    {
        int p = funcs[cf].Start + funcs[cf].Len;
        if (p >= work.Length) { overflow = true; return; }
        work[p] = (byte)b; funcs[cf].Len++;
    }
    void E16(int v) { E(v & 0xFF); E((v >> 8) & 0xFF); }
    void E32(int v) { E(v & 0xFF); E((v >> 8) & 0xFF); E((v >> 16) & 0xFF); E((v >> 24) & 0xFF); }
    void EOp(Op op) { E((int)op); }
    void EOp16(Op op, int v) { E((int)op); E16(v); }
    void Push(int n) { funcs[cf].Depth += n; if (funcs[cf].Depth > funcs[cf].MaxDepth) funcs[cf].MaxDepth = funcs[cf].Depth; }

    /// <summary>Operand stack slots one function may use above its locals. The VM indexes the
    /// value stack without bounds checks: ARGS checks locals + 256 against StackLimit and every
    /// stack keeps at least 4096 slots above StackLimit (LispThread), so this bound keeps any
    /// function inside the array.</summary>
    public const int MaxOperandDepth = 3500;

    /// <summary>Byte at (func, offset) wherever that function's code currently lives.</summary>
    ref byte CodeAt(int f, int off)
    {
        if (funcs[f].Done) return ref done[funcs[f].DoneStart + off];
        return ref work[funcs[f].Start + off];
    }
    void Put16(int f, int off, int v) { CodeAt(f, off) = (byte)v; CodeAt(f, off + 1) = (byte)(v >> 8); }
    void Put32(int f, int off, int v) { for (int i = 0; i < 4; i++) CodeAt(f, off + i) = (byte)(v >> (8 * i)); }

    int NewLabel() { if (nlabels >= labelPos.Length) { overflow = true; return 0; } labelPos[nlabels] = -1; return nlabels++; }
    void Mark(int l) { labelPos[l] = Here; }
    void EJump(Op op, int label)
    {
        EOp(op);
        if (nfixes >= fixes.Length) { overflow = true; return; }
        fixes[nfixes] = new FixRec { Label = label, Off = Here, Next = funcs[cf].FixHead };
        funcs[cf].FixHead = nfixes++;
        E32(0);
    }
    void FixAt(int label, int off)
    {
        if (nfixes >= fixes.Length) { overflow = true; return; }
        fixes[nfixes] = new FixRec { Label = label, Off = off, Next = funcs[cf].FixHead };
        funcs[cf].FixHead = nfixes++;
    }

    void AddPatch(int v, int off)
    {
        if (npatches >= patches.Length) { overflow = true; return; }
        patches[npatches] = new PatchRec { Func = cf, Off = off, Next = vars[v].PatchHead };
        vars[v].PatchHead = npatches++;
    }

    // ---------------- constants ----------------
    int Const(ulong v)
    {
        for (int i = funcs[cf].ConstHead; i >= 0; i = constRecs[i].Next)
            if (!constRecs[i].IsFunc && constVal[i] == v && (W.IsSymbol(v) || M.IsFix(v) || W.IsChar(v) || W.IsCons(v))) return constRecs[i].Index;
        return AddConst(v, false);
    }
    int AddConst(ulong v, bool isFunc)
    {
        if (nconsts >= constVal.Length || funcs[cf].NConst >= 65535) { overflow = true; return 0; }
        constVal[nconsts] = v;
        constRecs[nconsts] = new ConstRec { Index = funcs[cf].NConst++, Next = funcs[cf].ConstHead, IsFunc = isFunc };
        funcs[cf].ConstHead = nconsts++;
        return constRecs[nconsts - 1].Index;
    }

    void EConst(ulong v)
    {
        if (v == W.Nil) EOp(Op.Nil);
        else if (v == vm.T) EOp(Op.T);
        else if (M.IsFix(v) && M.FixVal(v) >= -128 && M.FixVal(v) <= 127) { EOp(Op.Fix8); E((int)M.FixVal(v) & 0xFF); }
        else EOp16(Op.Const, Const(v));
        Push(1);
    }

    // ---------------- functions ----------------
    int BeginFunc(ulong name)
    {
        if (nfuncs >= funcs.Length) { overflow = true; return cf; }
        int start = cf >= 0 ? funcs[cf].Start + funcs[cf].Len : wtop;
        int f = nfuncs++;
        funcs[f] = new FuncRec { Parent = cf, Start = start, ConstHead = -1, CapHead = -1, FixHead = -1, DoneStart = -1 };
        funcName[f] = name; funcLL[f] = W.Nil; funcObj[f] = W.Nil;
        cf = f;
        return f;
    }

    /// <summary>Resolve jumps, patch nlocals, move the code to the done arena.</summary>
    void EndFunc()
    {
        int f = cf;
        for (int i = funcs[f].FixHead; i >= 0; i = fixes[i].Next)
            Put32(f, fixes[i].Off, labelPos[fixes[i].Label]);
        if (funcs[f].ArgsPos >= 0) Put16(f, funcs[f].ArgsPos, funcs[f].NLocals);
        if (funcs[f].MaxDepth > MaxOperandDepth) overflow = true;   // reported as: Form too large to compile.
        int len = funcs[f].Len;
        if (dtop + len > done.Length) { overflow = true; len = 0; }
        for (int i = 0; i < len; i++) done[dtop + i] = work[funcs[f].Start + i];
        funcs[f].DoneStart = dtop;
        dtop += len;
        funcs[f].Done = true;
        cf = funcs[f].Parent;
    }

    int AllocSlot()
    {
        int s = funcs[cf].CurLocals++;
        if (funcs[cf].CurLocals > funcs[cf].NLocals) funcs[cf].NLocals = funcs[cf].CurLocals;
        return s;
    }

    int NewVar(int slot)
    {
        if (nvars >= vars.Length) { overflow = true; return 0; }
        vars[nvars] = new VarRec { Func = cf, Slot = slot, PatchHead = -1 };
        return nvars++;
    }

    /// <summary>At scope end: a captured and assigned variable gets a cell everywhere.</summary>
    void FinishVar(int v)
    {
        if (!(vars[v].Captured && vars[v].Assigned)) return;
        for (int p = vars[v].PatchHead; p >= 0; p = patches[p].Next)
            CodeAt(patches[p].Func, patches[p].Off) += 1;
        vars[v].PatchHead = -1;
    }

    int PushEnv(byte kind, ulong name, int index)
    {
        if (ntop >= envKind.Length) { overflow = true; return ntop - 1; }
        envKind[ntop] = kind; envName[ntop] = name; envIndex[ntop] = index; envValue[ntop] = W.Nil; envAux[ntop] = 0;
        return ntop++;
    }

    /// <summary>Capture index of var v in the current function, adding it (and to every
    /// function between) as needed.</summary>
    int CaptureIndex(int f, int v)
    {
        for (int i = funcs[f].CapHead; i >= 0; i = caps[i].Next) if (caps[i].Var == v) return caps[i].Index;
        if (funcs[f].Parent != vars[v].Func) CaptureIndex(funcs[f].Parent, v);
        if (ncaps >= caps.Length) { overflow = true; return 0; }
        caps[ncaps] = new CapRec { Var = v, Index = funcs[f].NCap++, Next = funcs[f].CapHead };
        funcs[f].CapHead = ncaps++;
        return funcs[f].NCap - 1;
    }

    /// <summary>Push variable v's value (recorded for patching).</summary>
    void EVarRef(int v)
    {
        if (vars[v].Func == cf)
        {
            EOp(Op.Local); AddPatch(v, Here - 1); E16(vars[v].Slot);
        }
        else
        {
            vars[v].Captured = true;
            int idx = CaptureIndex(cf, v);
            EOp(Op.Closed); AddPatch(v, Here - 1); E16(idx);
        }
        Push(1);
    }

    void EVarSet(int v)
    {
        vars[v].Assigned = true;
        if (vars[v].Func == cf) { EOp(Op.SetL); AddPatch(v, Here - 1); E16(vars[v].Slot); }
        else
        {
            vars[v].Captured = true;
            EOp16(Op.SetClosedC, CaptureIndex(cf, v));
        }
    }

    /// <summary>Pop the top into a fresh binding of v.</summary>
    void EVarBind(int v)
    {
        EOp(Op.BindL); AddPatch(v, Here - 1); E16(vars[v].Slot);
        Push(-1);
    }

    // ---------------- top level ----------------

    /// <summary>Compile a form into a zero-argument function. Returns Vm.Fail on error
    /// (pending condition or unwind recorded in the VM).</summary>
    public ulong CompileToplevel(ulong form)
    {
        // Save everything so that a nested compile (a macro calling EVAL) nests cleanly.
        int sRtop = rtop, sNfuncs = nfuncs, sCf = cf, sWtop = wtop, sDtop = dtop, sNvars = nvars, sNpatches = npatches,
            sNtop = ntop, sEnvBase = envBase, sNblocks = nblocks, sNlabels = nlabels, sNfixes = nfixes, sNconsts = nconsts,
            sNcaps = ncaps, sDepth = depth;
        if (cf >= 0) wtop = funcs[cf].Start + funcs[cf].Len;
        envBase = ntop;
        depth = 0;
        bool saveOverflow = overflow; overflow = false;
        int fi = P(form);
        int first = nfuncs;
        int f = BeginFunc(W.Nil);
        funcs[f].ArgsPos = -1;
        EOp(Op.Args); E(0); E(0); E(0); funcs[f].ArgsPos = Here; E16(0);
        bool ok = C(R[fi], Tail);
        ulong result = Vm.Fail;
        if (ok && overflow) ok = Err("Form too large to compile.");
        if (ok)
        {
            EndFunc();
            if (overflow) ok = Err("Form too large to compile.");   // EndFunc checks the operand depth
            else result = Finalize(first, nfuncs - 1);
        }
        rtop = sRtop; nfuncs = sNfuncs; cf = sCf; wtop = sWtop; dtop = sDtop; nvars = sNvars; npatches = sNpatches;
        ntop = sNtop; envBase = sEnvBase; nblocks = sNblocks; nlabels = sNlabels; nfixes = sNfixes; nconsts = sNconsts;
        ncaps = sNcaps; depth = sDepth; overflow = saveOverflow;
        return result;
    }

    /// <summary>Build heap Function objects for funcs first..last (in finish order: inner
    /// functions before the functions whose constants refer to them).</summary>
    ulong Finalize(int first, int last)
    {
        // Finish order = increasing DoneStart.
        int count = last - first + 1;
        for (int k = 0; k < count; k++)
        {
            int f = -1; int best = int.MaxValue;
            for (int i = first; i <= last; i++)
                if (funcObj[i] == W.Nil && funcs[i].DoneStart < best) { best = funcs[i].DoneStart; f = i; }
            if (f < 0) break;
            int mark = heap.RootMark();
            if (UsePeephole) funcs[f].Len = Peephole(done, funcs[f].DoneStart, funcs[f].Len);
            ulong codev = heap.AllocRaw(ObjType.ByteVector, funcs[f].Len);
            byte* p = M.Raw(codev);
            for (int i = 0; i < funcs[f].Len; i++) p[i] = done[funcs[f].DoneStart + i];
            int rc = heap.PushRoot(codev);
            ulong cv = W.Nil;
            if (funcs[f].NConst > 0) cv = heap.AllocBoxed(ObjType.SimpleVector, funcs[f].NConst);
            int rv = heap.PushRoot(cv);
            for (int i = funcs[f].ConstHead; i >= 0; i = constRecs[i].Next)
            {
                ulong v = constRecs[i].IsFunc ? funcObj[(int)constVal[i]] : constVal[i];
                heap.SetSlot(heap.Root(rv), constRecs[i].Index, v);
            }
            ulong fo = heap.AllocBoxed(ObjType.Function, Fn.Size);
            heap.SetSlot(fo, Fn.Code, heap.Root(rc));
            heap.SetSlot(fo, Fn.Consts, heap.Root(rv));
            heap.SetSlot(fo, Fn.Name, funcName[f]);
            heap.SetSlot(fo, Fn.Arity, M.Fix(0));
            heap.SetSlot(fo, Fn.Builtin, M.Fix(-1));
            heap.SetSlot(fo, Fn.LambdaList, funcLL[f]);
            funcObj[f] = fo;
            heap.PopRoots(mark);
        }
        return funcObj[first];
    }
}
