// The dispatch loop: one method, a switch over byte opcodes. Registers (sp, bp, ip, code,
// constants) are locals; the code pointer is reloaded from the current frame after any
// instruction that may allocate (the collector may move the code vector), and th.Sp is
// stored before every allocation so the collector scans the live stack only.
// Calls push a Frame (no allocation); non-local exits walk the catch stack (VmUnwind).
using System.Runtime.CompilerServices;
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Vm
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int U16(byte* c, int ip) { return *(ushort*)(c + ip); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int I32(byte* c, int ip) { return *(int*)(c + ip); }

    /// <summary>Runs from the current top frame until the frame count drops below baseFc.
    /// runBase is the index of this run's RunBase catch entry.</summary>
    internal RunStatus Run(int baseFc, int runBase, out ulong result)
    {
        // The stacks are reserved ranges that never move (LispThread): the loop indexes them
        // through pointers, with no bounds checks (overflow is checked where frames and values
        // are pushed: StackLimit, the 256-slot margin in ARGS, MaxFrames; past those the
        // stacks grow, or PendStack). RetFloor is this run's base for doret's one compare.
        LispThread th = Th;
        int outer = th.RunBaseFc;
        th.RunBaseFc = baseFc;
        th.RetFloor = th.LowFc > baseFc ? th.LowFc : baseFc;
        RunStatus st = RunBody(baseFc, runBase, out result, th.S, th.F);
        th.RunBaseFc = outer;
        th.NoteFc();
        return st;
    }

    RunStatus RunBody(int baseFc, int runBase, out ulong result, ulong* s, Frame* fr)
    {
        LispThread th = Th;
        Heap heap = Heap;
        ulong[] mv = th.Mv;
        int sp = th.Sp;
        int ip = fr[th.Fc - 1].Ip;
        int bp = 0, argc = 0, retSp = 0;
        ulong fnv = 0, consts = 0, callee = 0;
        ulong epoch = 0;   // heap.GcEpoch when code/consts/fnv were loaded: unchanged = still valid
        byte* code = null;
        bool tail = false;
        bool resume = false;   // the pending interrupt resumes (see PendResume)
        ulong a, b;
        long n;

    reload:
        {
            fnv = fr[th.Fc - 1].Fn;
            if (DebugChecks && !(W.IsObj(fnv) && (M.Type(fnv) == ObjType.Function || M.Type(fnv) == ObjType.Closure)))
                DebugFail("reload: frame function is not a function", ip);
            ulong fo = M.Type(fnv) == ObjType.Closure ? M.Slot(fnv, 0) : fnv;
            code = M.Raw(M.Slot(fo, Fn.Code));
            consts = M.Slot(fo, Fn.Consts);
            bp = fr[th.Fc - 1].Bp;
            epoch = heap.GcEpoch;
        }
    loop:
        switch ((Op)code[ip++])
        {
            case Op.Nop: goto loop;
            case Op.Args: argc = fr[th.Fc - 1].Argc; goto args;
            case Op.Keys:
                {
                    ulong kv = M.Slot(consts, U16(code, ip));
                    int slot = U16(code, ip + 2); bool allow = code[ip + 4] != 0;
                    ip += 5;
                    int nk = M.Len(kv);
                    for (int j = 0; j < nk; j++) s[bp + slot + 1 + j] = W.Unbound;
                    ulong l = s[bp + slot], unknown = W.Unbound;
                    while (W.IsCons(l))
                    {
                        ulong key = M.Car(l); ulong rest = M.Cdr(l);
                        if (!W.IsCons(rest)) { PendSimple(S.ProgramError, "Odd number of &KEY arguments."); goto signal; }
                        int j = 0;
                        for (; j < nk; j++) if (M.Slot(kv, j) == key) break;
                        if (j < nk) { if (s[bp + slot + 1 + j] == W.Unbound) s[bp + slot + 1 + j] = M.Car(rest); }
                        else if (key == Syms[(int)S.KwAllowOtherKeys]) { if (M.Car(rest) != W.Nil) allow = true; }
                        else if (unknown == W.Unbound) unknown = key;
                        l = M.Cdr(rest);
                    }
                    if (unknown != W.Unbound && !allow) { PendSimple1(S.ProgramError, "Unknown &KEY argument: ~S.", unknown); goto signal; }
                    goto loop;
                }
            case Op.Const: s[sp++] = M.Slot(consts, U16(code, ip)); ip += 2; goto loop;
            case Op.Nil: s[sp++] = W.Nil; goto loop;
            case Op.T: s[sp++] = Roots[(int)R.T]; goto loop;
            case Op.Fix8: s[sp++] = M.Fix((sbyte)code[ip]); ip++; goto loop;
            case Op.Local: s[sp++] = s[bp + U16(code, ip)]; ip += 2; goto loop;
            case Op.LocalC: s[sp++] = M.Slot(s[bp + U16(code, ip)], 0); ip += 2; goto loop;
            case Op.SetL: s[bp + U16(code, ip)] = s[sp - 1]; ip += 2; goto loop;
            case Op.SetLC: heap.SetSlot(s[bp + U16(code, ip)], 0, s[sp - 1]); ip += 2; goto loop;
            case Op.BindL: s[bp + U16(code, ip)] = s[--sp]; ip += 2; goto loop;
            case Op.BindLC:
                {
                    // Operand before the allocation: a GC may move this code vector, so `code` is stale after it.
                    int sl = bp + U16(code, ip); ip += 2;
                    th.Sp = sp;
                    ulong cell = heap.AllocBoxed(ObjType.ValueCell, 1);
                    heap.SetSlot(cell, 0, s[sp - 1]);
                    sp--;
                    s[sl] = cell;
                    goto reload;
                }
            case Op.Closed: s[sp++] = M.Slot(fnv, 1 + U16(code, ip)); ip += 2; goto loop;
            case Op.ClosedC: s[sp++] = M.Slot(M.Slot(fnv, 1 + U16(code, ip)), 0); ip += 2; goto loop;
            case Op.SetClosedC: heap.SetSlot(M.Slot(fnv, 1 + U16(code, ip)), 0, s[sp - 1]); ip += 2; goto loop;
            case Op.Global:
                a = M.Slot(consts, U16(code, ip)); ip += 2;
                b = M.Slot(a, Sy.Value);
                if (b == W.Unbound) { PendCell(S.UnboundVariable, a); goto signal; }
                s[sp++] = b; goto loop;
            case Op.SetGlobal:
                a = M.Slot(consts, U16(code, ip)); ip += 2;
                heap.SetSlot(a, Sy.Value, s[sp - 1]);
                goto loop;
            case Op.FunG:
                a = M.Slot(consts, U16(code, ip)); ip += 2;
                b = SymFunction(a);
                if (!W.IsObj(b)) { PendCell(S.UndefinedFunction, a); goto signal; }
                s[sp++] = b; goto loop;
            case Op.Pop: sp--; goto loop;
            case Op.Slide: a = s[sp - 1]; sp -= U16(code, ip); ip += 2; s[sp - 1] = a; goto loop;
            case Op.Dup: s[sp] = s[sp - 1]; sp++; goto loop;
            case Op.Drop: sp -= U16(code, ip); ip += 2; goto loop;
            case Op.Skip2: ip += 2; goto loop;
            case Op.BoxL:
                {
                    int sl = bp + U16(code, ip); ip += 2; // before the allocation (code may move)
                    th.Sp = sp;
                    ulong cell = heap.AllocBoxed(ObjType.ValueCell, 1);
                    heap.SetSlot(cell, 0, s[sl]);
                    s[sl] = cell;
                    goto reload;
                }
            case Op.Jmp:
                {
                    int t = I32(code, ip);
                    if (t < ip)
                    {
                        if ((InterruptFlag | (heap.StorageExhausted ? 1 : 0)) != 0 || (stepCap != 0 && ++Steps > stepCap))
                        {
                            ip = t;
                            th.Sp = sp;      // the poll may collect (balloon): the stack is a root up to here
                            int sw = SafePointAt(runBase);
                            if (sw == 1) { resume = PendResume(s, sp); goto signal; }
                            if (sw == 2) { th.Sp = sp; fr[th.Fc - 1].Ip = ip; result = W.Nil; return RunStatus.Switch; }
                            if (heap.GcEpoch == epoch) goto loop;
                            goto reload;     // collected at the poll: code and consts moved
                        }
                    }
                    ip = t; goto loop;
                }
            case Op.JNil: if (s[--sp] == W.Nil) ip = I32(code, ip); else ip += 4; goto loop;
            case Op.JT: if (s[--sp] != W.Nil) ip = I32(code, ip); else ip += 4; goto loop;
            case Op.JBound: if (s[bp + U16(code, ip)] != W.Unbound) ip = I32(code, ip + 2); else ip += 6; goto loop;
            case Op.BoundP: s[sp++] = s[bp + U16(code, ip)] != W.Unbound ? Roots[(int)R.T] : W.Nil; ip += 2; goto loop;
            case Op.CallG:
            case Op.TCallG:
                tail = code[ip - 1] == (byte)Op.TCallG;
                a = M.Slot(consts, U16(code, ip));
                argc = code[ip + 2]; ip += 3;
                callee = M.Slot(a, Sy.Function);
                retSp = sp - argc;
                if (tail && callee == fnv && code[0] == (byte)Op.Args)
                {
                    // Self tail call (loops written as recursion): same code, constants and
                    // frame; move the arguments down and run ARGS again (a safe point).
                    int src = sp - argc;
                    for (int j = 0; j < argc; j++) s[bp + j] = s[src + j];
                    sp = bp + argc;
                    fr[th.Fc - 1].Argc = argc;
                    ip = 1;
                    goto args;
                }
                if (!W.IsObj(callee))
                {
                    // An undefined global function: call %UNDEFINED-FUNCTION-CALLED with the
                    // name before the arguments, so its restarts can retry the call or return
                    // a value from it (tail or not) like any function.
                    ulong ufc = M.Slot(Syms[(int)S.UndefinedFunctionCalled], Sy.Function);
                    if (!W.IsObj(ufc) || sp + 16 >= StackLimit || argc >= 250) { PendCell(S.UndefinedFunction, a); goto signal; }
                    for (int j = sp - 1; j >= retSp; j--) s[j + 1] = s[j];
                    s[retSp] = a; sp++; argc++;
                    callee = ufc;
                }
                goto call;
            case Op.Call:
            case Op.TCall:
                tail = code[ip - 1] == (byte)Op.TCall;
                argc = code[ip]; ip++;
                callee = s[sp - argc - 1];
                retSp = sp - argc - 1;
                goto call;
            case Op.Ret1: th.Nv = 1; goto doret;
            case Op.Ret: goto doret;
            case Op.Set1: th.Nv = 1; goto loop;
            case Op.MkClos:
                {
                    int k = U16(code, ip), cn = code[ip + 2]; ip += 3;
                    th.Sp = sp;
                    ulong clo = heap.AllocBoxed(ObjType.Closure, 1 + cn);
                    ulong fo = M.Type(fr[th.Fc - 1].Fn) == ObjType.Closure ? M.Slot(fr[th.Fc - 1].Fn, 0) : fr[th.Fc - 1].Fn;
                    heap.SetSlot(clo, 0, M.Slot(M.Slot(fo, Fn.Consts), k));
                    for (int j = 0; j < cn; j++) heap.SetSlot(clo, 1 + j, s[sp - cn + j]);
                    sp -= cn;
                    s[sp++] = clo;
                    goto reload;
                }
            case Op.Values:
                {
                    int vn = code[ip]; ip++;
                    for (int j = 0; j < vn; j++) mv[j] = s[sp - vn + j];
                    sp -= vn;
                    s[sp++] = vn > 0 ? mv[0] : W.Nil;
                    th.Nv = vn;
                    goto loop;
                }
            case Op.MvAcc:
                {
                    a = s[--sp];
                    n = M.FixVal(s[--sp]);
                    int vn = th.Nv;
                    if (sp + vn + 8 > StackLimit && !GrowStack(sp + vn + 8)) { PendStack(); goto signal; }
                    if (vn == 1) s[sp++] = a;
                    else for (int j = 0; j < vn; j++) s[sp++] = mv[j];
                    s[sp++] = M.Fix(n + vn);
                    goto loop;
                }
            case Op.MvCallN:
                argc = (int)M.FixVal(s[--sp]);
                callee = s[sp - argc - 1];
                retSp = sp - argc - 1;
                tail = false;
                goto call;
            case Op.MvSave:
                {
                    a = s[--sp];
                    int vn = th.Nv;
                    if (sp + vn + 8 > StackLimit && !GrowStack(sp + vn + 8)) { PendStack(); goto signal; }
                    if (vn == 1) s[sp++] = a;
                    else for (int j = 0; j < vn; j++) s[sp++] = mv[j];
                    s[sp++] = M.Fix(vn);
                    goto loop;
                }
            case Op.MvRestore:
                {
                    int vn = (int)M.FixVal(s[--sp]);
                    for (int j = 0; j < vn; j++) mv[j] = s[sp - vn + j];
                    sp -= vn;
                    s[sp++] = vn > 0 ? mv[0] : W.Nil;
                    th.Nv = vn;
                    goto loop;
                }
            case Op.Bind:
                a = M.Slot(consts, U16(code, ip)); ip += 2;
                if (th.Bsp >= th.BindLimit && !RoomForBinding()) { PendStack(); goto signal; }
                th.B[th.Bsp * 2] = a; th.B[th.Bsp * 2 + 1] = M.Slot(a, Sy.Value); th.Bsp++;
                heap.SetSlot(a, Sy.Value, s[--sp]);
                goto loop;
            case Op.Unbind:
                UndoBindings(th.Bsp - code[ip]); ip++;
                goto loop;
            case Op.Progv:
                {
                    ulong vals = s[--sp], syms = s[--sp];
                    int cnt = 0;
                    while (W.IsCons(syms))
                    {
                        ulong sym = M.Car(syms);
                        if (!W.IsSymbol(sym) || sym == W.Nil) { PendType(sym, S.Symbol); goto signal; }
                        if (th.Bsp >= th.BindLimit && !RoomForBinding()) { PendStack(); goto signal; }
                        th.B[th.Bsp * 2] = sym; th.B[th.Bsp * 2 + 1] = M.Slot(sym, Sy.Value); th.Bsp++;
                        heap.SetSlot(sym, Sy.Value, W.IsCons(vals) ? M.Car(vals) : W.Unbound);
                        if (W.IsCons(vals)) vals = M.Cdr(vals);
                        syms = M.Cdr(syms); cnt++;
                    }
                    s[sp++] = M.Fix(cnt);
                    goto loop;
                }
            case Op.UnbindV:
                a = s[--sp];
                UndoBindings(th.Bsp - (int)M.FixVal(s[sp - 1]));
                s[sp - 1] = a;
                goto loop;
            case Op.Catch:
                if (th.Cc >= th.CatchLimit && !RoomForCatch()) { PendStack(); goto signal; }
                a = s[--sp];
                th.C[th.Cc++] = new CatchEntry { Tag = a, Fc = th.Fc, Sp = sp, Bsp = th.Bsp, Ip = I32(code, ip), Kind = CatchKind.Catch };
                ip += 4;
                goto loop;
            case Op.BlockE:
                if (th.Cc >= th.CatchLimit && !RoomForCatch()) { PendStack(); goto signal; }
                a = M.Fix((long)++th.NextTag);
                th.C[th.Cc++] = new CatchEntry { Tag = a, Fc = th.Fc, Sp = sp, Bsp = th.Bsp, Ip = I32(code, ip + 1), Kind = (CatchKind)code[ip] };
                ip += 5;
                s[sp++] = a;
                goto loop;
            case Op.EndCatch: th.Cc--; goto loop;
            case Op.Throw:
                {
                    int kind = code[ip]; ip++;
                    a = s[--sp]; b = s[--sp];
                    if (th.Nv == 1) mv[0] = a;
                    int j = th.Cc - 1;
                    for (; j >= 0; j--)
                    {
                        CatchKind ck = th.C[j].Kind;
                        if (th.C[j].Tag == b && (kind == 0 ? ck == CatchKind.Catch : (ck == CatchKind.Block || ck == CatchKind.Tagbody))) break;
                    }
                    if (j < 0)
                    {
                        if (kind == 0) PendSimple1(S.ControlError, "Attempt to throw to a tag that does not exist: ~S.", b);
                        else PendSimple(S.ControlError, kind == 1 ? "Attempt to RETURN-FROM a block that no longer exists." : "Attempt to GO to a tag that no longer exists.");
                        goto signal;
                    }
                    PendTarget = j;
                    goto unwind;
                }
            case Op.TagDispatch:
                {
                    int cnt = code[ip];
                    int i = (int)M.FixVal(s[--sp]);
                    ip = I32(code, ip + 1 + 4 * i);
                    goto loop;
                }
            case Op.Uwp:
                if (th.Cc >= th.CatchLimit && !RoomForCatch()) { PendStack(); goto signal; }
                th.C[th.Cc++] = new CatchEntry { Tag = W.Nil, Fc = th.Fc, Sp = sp, Bsp = th.Bsp, Ip = I32(code, ip), Kind = CatchKind.Uwp };
                ip += 4;
                goto loop;
            case Op.UwNormal:
                {
                    th.Cc--;
                    a = s[--sp];
                    int vn = th.Nv;
                    if (sp + vn + 8 > StackLimit) vn = 0;   // (as the unwind path does)
                    if (vn == 1) s[sp++] = a;
                    else for (int j = 0; j < vn; j++) s[sp++] = mv[j];
                    s[sp++] = M.Fix(vn);
                    s[sp++] = M.Fix(0);
                    goto loop;
                }
            case Op.UwEnd:
                {
                    long mode = M.FixVal(s[--sp]);
                    int target = mode != 0 ? (int)M.FixVal(s[--sp]) : 0;
                    int vn = (int)M.FixVal(s[--sp]);
                    for (int j = 0; j < vn; j++) mv[j] = s[sp - vn + j];
                    sp -= vn;
                    th.Nv = vn;
                    if (mode == 0) { s[sp++] = vn > 0 ? mv[0] : W.Nil; goto loop; }
                    PendTarget = target;
                    goto unwind;
                }
            // ---- inline primitives ----
            case Op.Car:
                a = s[sp - 1];
                if (W.IsCons(a)) { s[sp - 1] = M.Car(a); goto loop; }
                if (a == W.Nil) goto loop;
                sp--; PendType(a, S.List); goto signal;
            case Op.Cdr:
                a = s[sp - 1];
                if (W.IsCons(a)) { s[sp - 1] = M.Cdr(a); goto loop; }
                if (a == W.Nil) goto loop;
                sp--; PendType(a, S.List); goto signal;
            case Op.Cons:
                th.Sp = sp;
                a = heap.Cons(s[sp - 2], s[sp - 1]);
                sp--; s[sp - 1] = a;
                if (heap.GcEpoch == epoch) goto loop;   // no collection: nothing moved
                goto reload;
            case Op.Eq: sp--; s[sp - 1] = s[sp - 1] == s[sp] ? Roots[(int)R.T] : W.Nil; goto loop;
            case Op.Not: s[sp - 1] = s[sp - 1] == W.Nil ? Roots[(int)R.T] : W.Nil; goto loop;
            case Op.Add:
                a = s[sp - 2]; b = s[sp - 1];
                if (((a | b) & 3) == 0) { n = M.FixVal(a) + M.FixVal(b); if (W.FitsFixnum(n)) { sp--; s[sp - 1] = M.Fix(n); goto loop; } }
                else if (W.IsSingle(a) && W.IsSingle(b))
                {
                    float f = W.SingleValue(a) + W.SingleValue(b);
                    if (f - f == 0) { sp--; s[sp - 1] = W.MakeSingle(f); goto loop; }   // finite; else the function signals
                }
                callee = M.Slot(Syms[(int)S.Plus], Sy.Function); goto generic2;
            case Op.Mul:
                a = s[sp - 2]; b = s[sp - 1];
                if (((a | b) & 3) == 0)
                {
                    // Both within +-2^30: the product fits a fixnum (61 bits).
                    long x = M.FixVal(a), y = M.FixVal(b);
                    if ((ulong)(x + (1L << 30)) < (1UL << 31) && (ulong)(y + (1L << 30)) < (1UL << 31)) { sp--; s[sp - 1] = M.Fix(x * y); goto loop; }
                }
                else if (W.IsSingle(a) && W.IsSingle(b))
                {
                    float f = W.SingleValue(a) * W.SingleValue(b);
                    if (f - f == 0) { sp--; s[sp - 1] = W.MakeSingle(f); goto loop; }
                }
                callee = M.Slot(Syms[(int)S.Star], Sy.Function); goto generic2;
            case Op.Sub:
                a = s[sp - 2]; b = s[sp - 1];
                if (((a | b) & 3) == 0) { n = M.FixVal(a) - M.FixVal(b); if (W.FitsFixnum(n)) { sp--; s[sp - 1] = M.Fix(n); goto loop; } }
                else if (W.IsSingle(a) && W.IsSingle(b))
                {
                    float f = W.SingleValue(a) - W.SingleValue(b);
                    if (f - f == 0) { sp--; s[sp - 1] = W.MakeSingle(f); goto loop; }
                }
                callee = M.Slot(Syms[(int)S.Minus], Sy.Function); goto generic2;
            case Op.Add1:
                a = s[sp - 1];
                if ((a & 3) == 0 && (long)a < (long)M.Fix(W.MostPositiveFixnum)) { s[sp - 1] = a + 4; goto loop; }
                callee = M.Slot(Syms[(int)S.OnePlus], Sy.Function); argc = 1; retSp = sp - 1; tail = false; goto call;
            case Op.Sub1:
                a = s[sp - 1];
                if ((a & 3) == 0 && (long)a > (long)M.Fix(W.MostNegativeFixnum)) { s[sp - 1] = a - 4; goto loop; }
                callee = M.Slot(Syms[(int)S.OneMinus], Sy.Function); argc = 1; retSp = sp - 1; tail = false; goto call;
            case Op.Lt:
                a = s[sp - 2]; b = s[sp - 1];
                if (((a | b) & 3) == 0) { sp--; s[sp - 1] = (long)a < (long)b ? Roots[(int)R.T] : W.Nil; goto loop; }
                callee = M.Slot(Syms[(int)S.Lt], Sy.Function); goto generic2;
            case Op.Gt:
                a = s[sp - 2]; b = s[sp - 1];
                if (((a | b) & 3) == 0) { sp--; s[sp - 1] = (long)a > (long)b ? Roots[(int)R.T] : W.Nil; goto loop; }
                callee = M.Slot(Syms[(int)S.Gt], Sy.Function); goto generic2;
            case Op.Le:
                a = s[sp - 2]; b = s[sp - 1];
                if (((a | b) & 3) == 0) { sp--; s[sp - 1] = (long)a <= (long)b ? Roots[(int)R.T] : W.Nil; goto loop; }
                callee = M.Slot(Syms[(int)S.Le], Sy.Function); goto generic2;
            case Op.Ge:
                a = s[sp - 2]; b = s[sp - 1];
                if (((a | b) & 3) == 0) { sp--; s[sp - 1] = (long)a >= (long)b ? Roots[(int)R.T] : W.Nil; goto loop; }
                callee = M.Slot(Syms[(int)S.Ge], Sy.Function); goto generic2;
            case Op.NumEq:
                a = s[sp - 2]; b = s[sp - 1];
                if (((a | b) & 3) == 0) { sp--; s[sp - 1] = a == b ? Roots[(int)R.T] : W.Nil; goto loop; }
                callee = M.Slot(Syms[(int)S.NumEq], Sy.Function); goto generic2;
            case Op.Svref:
            case Op.Aref:
                a = s[sp - 2]; b = s[sp - 1];
                if (W.IsObj(a) && (b & 3) == 0 && (ulong)M.FixVal(b) < (ulong)M.Len(a))
                {
                    ObjType vt = M.Type(a);
                    if (vt == ObjType.SimpleVector) { sp--; s[sp - 1] = M.Slot(a, (int)M.FixVal(b)); ip += 2; goto loop; }
                    if (vt == ObjType.String8) { sp--; s[sp - 1] = W.MakeChar(M.Raw(a)[M.FixVal(b)]); ip += 2; goto loop; }
                }
                argc = 2; goto slowk;
            case Op.SvSet:
            case Op.ASet:
                a = s[sp - 3]; b = s[sp - 2];
                if (W.IsObj(a) && (b & 3) == 0 && M.Type(a) == ObjType.SimpleVector && (ulong)M.FixVal(b) < (ulong)M.Len(a))
                {
                    heap.SetSlot(a, (int)M.FixVal(b), s[sp - 1]);
                    s[sp - 3] = s[sp - 1]; sp -= 2; ip += 2; goto loop;
                }
                argc = 3; goto slowk;
            case Op.Local2: s[sp] = s[bp + U16(code, ip)]; s[sp + 1] = s[bp + U16(code, ip + 2)]; sp += 2; ip += 4; goto loop;
            case Op.MovL: s[bp + U16(code, ip + 2)] = s[bp + U16(code, ip)]; ip += 4; goto loop;
            case Op.PopLocal: s[sp - 1] = s[bp + U16(code, ip)]; ip += 2; goto loop;
            case Op.LocalFix8: s[sp] = s[bp + U16(code, ip)]; s[sp + 1] = M.Fix((sbyte)code[ip + 2]); sp += 2; ip += 3; goto loop;
            case Op.CarToL:
                a = s[bp + U16(code, ip)];
                if (W.IsCons(a)) { s[bp + U16(code, ip + 2)] = M.Car(a); ip += 4; goto loop; }
                if (a == W.Nil) { s[bp + U16(code, ip + 2)] = a; ip += 4; goto loop; }
                ip += 4; PendType(a, S.List); goto signal;
            case Op.CdrToL:
                a = s[bp + U16(code, ip)];
                if (W.IsCons(a)) { s[bp + U16(code, ip + 2)] = M.Cdr(a); ip += 4; goto loop; }
                if (a == W.Nil) { s[bp + U16(code, ip + 2)] = a; ip += 4; goto loop; }
                ip += 4; PendType(a, S.List); goto signal;
            case Op.LocalCar:
                a = s[bp + U16(code, ip)]; ip += 2;
                if (W.IsCons(a)) { s[sp++] = M.Car(a); goto loop; }
                if (a == W.Nil) { s[sp++] = a; goto loop; }
                PendType(a, S.List); goto signal;
            case Op.LocalCdr:
                a = s[bp + U16(code, ip)]; ip += 2;
                if (W.IsCons(a)) { s[sp++] = M.Cdr(a); goto loop; }
                if (a == W.Nil) { s[sp++] = a; goto loop; }
                PendType(a, S.List); goto signal;
            case Op.JTK: if (s[sp - 1] != W.Nil) ip = I32(code, ip); else { sp--; ip += 4; } goto loop;
            case Op.JNilL: if (s[bp + U16(code, ip)] == W.Nil) ip = I32(code, ip + 2); else ip += 6; goto loop;
            case Op.JTL: if (s[bp + U16(code, ip)] != W.Nil) ip = I32(code, ip + 2); else ip += 6; goto loop;
            case Op.JConsL: if (W.IsCons(s[bp + U16(code, ip)])) ip = I32(code, ip + 2); else ip += 6; goto loop;
            case Op.JAtomL: if (!W.IsCons(s[bp + U16(code, ip)])) ip = I32(code, ip + 2); else ip += 6; goto loop;
            case Op.LogAnd:
                a = s[sp - 2]; b = s[sp - 1];
                if (((a | b) & 3) == 0) { sp--; s[sp - 1] = a & b; ip += 2; goto loop; }
                argc = 2; goto slowk;
            case Op.LogIor:
                a = s[sp - 2]; b = s[sp - 1];
                if (((a | b) & 3) == 0) { sp--; s[sp - 1] = a | b; ip += 2; goto loop; }
                argc = 2; goto slowk;
            case Op.LogXor:
                a = s[sp - 2]; b = s[sp - 1];
                if (((a | b) & 3) == 0) { sp--; s[sp - 1] = a ^ b; ip += 2; goto loop; }
                argc = 2; goto slowk;
            case Op.ZeroP:
                a = s[sp - 1];
                if ((a & 3) == 0) { s[sp - 1] = a == M.Fix(0) ? Roots[(int)R.T] : W.Nil; ip += 2; goto loop; }
                argc = 1; goto slowk;
            case Op.Consp: s[sp - 1] = W.IsCons(s[sp - 1]) ? Roots[(int)R.T] : W.Nil; goto loop;
            case Op.Atom: s[sp - 1] = W.IsCons(s[sp - 1]) ? W.Nil : Roots[(int)R.T]; goto loop;
            case Op.LtJ:
                a = s[sp - 2]; b = s[sp - 1];
                if (((a | b) & 3) == 0) { sp -= 2; if (((long)a < (long)b) == (code[ip] == (byte)Op.JT)) ip = I32(code, ip + 1); else ip += 5; goto loop; }
                callee = M.Slot(Syms[(int)S.Lt], Sy.Function); goto generic2;
            case Op.GtJ:
                a = s[sp - 2]; b = s[sp - 1];
                if (((a | b) & 3) == 0) { sp -= 2; if (((long)a > (long)b) == (code[ip] == (byte)Op.JT)) ip = I32(code, ip + 1); else ip += 5; goto loop; }
                callee = M.Slot(Syms[(int)S.Gt], Sy.Function); goto generic2;
            case Op.LeJ:
                a = s[sp - 2]; b = s[sp - 1];
                if (((a | b) & 3) == 0) { sp -= 2; if (((long)a <= (long)b) == (code[ip] == (byte)Op.JT)) ip = I32(code, ip + 1); else ip += 5; goto loop; }
                callee = M.Slot(Syms[(int)S.Le], Sy.Function); goto generic2;
            case Op.GeJ:
                a = s[sp - 2]; b = s[sp - 1];
                if (((a | b) & 3) == 0) { sp -= 2; if (((long)a >= (long)b) == (code[ip] == (byte)Op.JT)) ip = I32(code, ip + 1); else ip += 5; goto loop; }
                callee = M.Slot(Syms[(int)S.Ge], Sy.Function); goto generic2;
            case Op.NumEqJ:
                a = s[sp - 2]; b = s[sp - 1];
                if (((a | b) & 3) == 0) { sp -= 2; if ((a == b) == (code[ip] == (byte)Op.JT)) ip = I32(code, ip + 1); else ip += 5; goto loop; }
                callee = M.Slot(Syms[(int)S.NumEq], Sy.Function); goto generic2;
            case Op.Eql:
                a = s[sp - 2]; b = s[sp - 1];
                if (a == b) { sp--; s[sp - 1] = Roots[(int)R.T]; ip += 2; goto loop; }
                if ((a & 7) != 3 || (b & 7) != 3) { sp--; s[sp - 1] = W.Nil; ip += 2; goto loop; }
                argc = 2; goto slowk;
            case Op.EqlJ:
                a = s[sp - 2]; b = s[sp - 1];
                if (a == b || (a & 7) != 3 || (b & 7) != 3)
                {
                    sp -= 2; ip += 2;
                    if ((a == b) == (code[ip] == (byte)Op.JT)) ip = I32(code, ip + 1); else ip += 5;
                    goto loop;
                }
                argc = 2; goto slowk;
            case Op.EqJ:
                a = s[sp - 2]; b = s[sp - 1]; sp -= 2;
                if ((a == b) == (code[ip] == (byte)Op.JT)) ip = I32(code, ip + 1); else ip += 5;
                goto loop;
            case Op.SRef:
                a = s[sp - 1];
                if (M.Is(a, ObjType.Instance) && M.Slot(a, 0) == M.Slot(consts, U16(code, ip + 2)))
                {
                    int si = U16(code, ip + 4) + 1;
                    if (si < M.Len(a)) { s[sp - 1] = M.Slot(a, si); ip += 6; goto loop; }
                }
                a = M.Slot(consts, U16(code, ip)); ip += 6;
                argc = 1; goto slowfn;
            case Op.LocalSRef:
                a = s[bp + U16(code, ip)];
                if (M.Is(a, ObjType.Instance) && M.Slot(a, 0) == M.Slot(consts, U16(code, ip + 4)))
                {
                    int si = U16(code, ip + 6) + 1;
                    if (si < M.Len(a)) { s[sp++] = M.Slot(a, si); ip += 8; goto loop; }
                }
                s[sp++] = a;   // slow path: as SREF, call the accessor with the value
                a = M.Slot(consts, U16(code, ip + 2)); ip += 8;
                argc = 1; goto slowfn;
            case Op.SSetK:
                a = s[sp - 2];
                if (M.Is(a, ObjType.Instance) && M.Slot(a, 0) == M.Slot(consts, U16(code, ip + 2)))
                {
                    int si = U16(code, ip + 6) + 1;
                    if (si < M.Len(a)) { heap.SetSlot(a, si, s[sp - 1]); s[sp - 2] = s[sp - 1]; sp--; ip += 8; goto loop; }
                }
                // Slow path: rebuild the five arguments of %STRUCT-SET and call it.
                b = s[sp - 1];
                s[sp - 1] = M.Fix(U16(code, ip + 6));
                s[sp] = b;
                s[sp + 1] = M.Slot(consts, U16(code, ip + 2));
                s[sp + 2] = M.Slot(consts, U16(code, ip + 4));
                sp += 3;
                a = M.Slot(consts, U16(code, ip)); ip += 8;
                argc = 5; goto slowfn;
            case Op.SSet:
                a = s[sp - 5]; b = s[sp - 4];
                if (M.Is(a, ObjType.Instance) && M.Slot(a, 0) == s[sp - 2] && (b & 3) == 0 && (ulong)M.FixVal(b) + 1 < (ulong)M.Len(a))
                {
                    heap.SetSlot(a, (int)M.FixVal(b) + 1, s[sp - 3]);
                    s[sp - 5] = s[sp - 3]; sp -= 4; ip += 2; goto loop;
                }
                argc = 5; goto slowk;
            case Op.Aref2:
                a = s[sp - 3];
                if (M.Is(a, ObjType.Instance) && M.Slot(a, 0) == Roots[(int)R.MarrayLayout])
                {
                    long ix = Index2(a, s[sp - 2], s[sp - 1], out b);
                    if (ix >= 0) { sp -= 2; s[sp - 1] = M.Slot(b, (int)ix); ip += 2; goto loop; }
                }
                argc = 3; goto slowk;
            case Op.ASet2:
                a = s[sp - 4];
                if (M.Is(a, ObjType.Instance) && M.Slot(a, 0) == Roots[(int)R.MarrayLayout])
                {
                    long ix = Index2(a, s[sp - 3], s[sp - 2], out b);
                    if (ix >= 0) { heap.SetSlot(b, (int)ix, s[sp - 1]); s[sp - 4] = s[sp - 1]; sp -= 3; ip += 2; goto loop; }
                }
                argc = 4; goto slowk;
            case Op.Aref3:
                a = s[sp - 4];
                if (M.Is(a, ObjType.Instance) && M.Slot(a, 0) == Roots[(int)R.MarrayLayout])
                {
                    long ix = Index3(a, s[sp - 3], s[sp - 2], s[sp - 1], out b);
                    if (ix >= 0) { sp -= 3; s[sp - 1] = M.Slot(b, (int)ix); ip += 2; goto loop; }
                }
                argc = 4; goto slowk;
            case Op.ASet3:
                a = s[sp - 5];
                if (M.Is(a, ObjType.Instance) && M.Slot(a, 0) == Roots[(int)R.MarrayLayout])
                {
                    long ix = Index3(a, s[sp - 4], s[sp - 3], s[sp - 2], out b);
                    if (ix >= 0) { heap.SetSlot(b, (int)ix, s[sp - 1]); s[sp - 5] = s[sp - 1]; sp -= 4; ip += 2; goto loop; }
                }
                argc = 5; goto slowk;
            default:
                PendSimple(S.ProgramError, "Internal error: bad opcode.");
                goto signal;
        }

    args:
                // Function entry is the call safe point: the new frame is complete, so a
                // suspended thread resumes by re-running this instruction.
                if ((InterruptFlag | (heap.StorageExhausted ? 1 : 0)) != 0 || (stepCap != 0 && ++Steps > stepCap))
                {
                    th.Sp = sp;          // the poll may collect (balloon): the stack is a root up to here
                    int sw = SafePointAt(runBase);
                    // Resuming re-runs ARGS (as a suspended thread does).
                    if (sw == 1) { resume = PendResume(s, sp); if (resume) ip--; goto signal; }
                    if (sw == 2) { th.Sp = sp; fr[th.Fc - 1].Ip = ip - 1; result = W.Nil; return RunStatus.Switch; }
                    if (heap.GcEpoch != epoch)
                    {
                        // Collected at the poll: reload this frame's code and constants in place
                        // (ARGS continues here, so no jump to reload).
                        fnv = fr[th.Fc - 1].Fn;
                        ulong fo = M.Type(fnv) == ObjType.Closure ? M.Slot(fnv, 0) : fnv;
                        code = M.Raw(M.Slot(fo, Fn.Code));
                        consts = M.Slot(fo, Fn.Consts);
                        epoch = heap.GcEpoch;
                    }
                }
    argsdecode:
                {
                    int req = code[ip], opt = code[ip + 1], flags = code[ip + 2], nloc = U16(code, ip + 3);
                    ip += 5;   // (argc: set by the call path, or by case ARGS from the frame)
                    int fixedN = req + opt;
                    if (argc < req || ((flags & 1) == 0 && argc > fixedN))
                    {
                        PendArgCount(argc, req, (flags & 1) != 0 ? -1 : fixedN);
                        goto signal;
                    }
                    // Past the limit: grow, or storage-condition (argsgrow).
                    if (bp + nloc + 256 > StackLimit) goto argsgrow;
                    int i = argc;
                    if ((flags & 1) != 0)
                    {
                        if (argc > fixedN)
                        {
                            s[sp] = W.Nil; th.Sp = sp + 1;
                            for (int j = argc - 1; j >= fixedN; j--) s[sp] = heap.Cons(s[bp + j], s[sp]);
                            s[bp + fixedN] = s[sp];
                            sp = bp + nloc;
                            for (i = fixedN + 1; i < nloc; i++) s[bp + i] = W.Nil;
                            goto reload;   // consing may have moved this code vector
                        }
                        else
                        {
                            for (; i < fixedN; i++) s[bp + i] = W.Unbound;
                            s[bp + fixedN] = W.Nil;
                            i = fixedN + 1;
                        }
                    }
                    else for (; i < fixedN; i++) s[bp + i] = W.Unbound;
                    sp = bp + nloc;
                    for (; i < nloc; i++) s[bp + i] = W.Nil;
                    goto loop;   // (the &rest path above allocates: it reloads instead)
                }
    slowk:
        // Slow path of an inline op with a k operand at ip: call the function of the symbol
        // constants[k] with the argc values on the stack.
        a = M.Slot(consts, U16(code, ip)); ip += 2;
    slowfn:
        // ... or of the symbol a (the op has set ip past its operands).
        callee = M.Slot(a, Sy.Function);
        retSp = sp - argc; tail = false;
        if (!W.IsObj(callee)) { PendCell(S.UndefinedFunction, a); goto signal; }
        goto call;

    generic2:
        argc = 2; retSp = sp - 2; tail = false;
        if (!W.IsObj(callee)) { PendSimple(S.UndefinedFunction, "Arithmetic function is undefined."); goto signal; }
        goto call;

    call:
        {
            ulong cf;
            if (!W.IsObj(callee)) goto notfn;
            ObjType ct = M.Type(callee);
            if (ct == ObjType.Function) cf = callee;
            else if (ct == ObjType.Closure) cf = M.Slot(callee, 0);
            else goto notfn;
            long bi = M.FixVal(M.Slot(cf, Fn.Builtin));
            if (bi >= 0)
            {
                long ar = M.FixVal(M.Slot(cf, Fn.Arity));
                int mn = (int)(ar & 0xFFFF), mx = (int)((ar >> 16) & 0xFFFF);
                if (argc < mn || (mx != Fn.AnyArgs && argc > mx))
                {
                    sp = retSp;
                    PendArgCountFor(M.Slot(cf, Fn.Name), argc, mn, mx == Fn.AnyArgs ? -1 : mx);
                    goto signal;
                }
                if (bi == BiFuncall || bi == BiApply)
                {
                    if (bi == BiApply)
                    {
                        ulong l = s[sp - 1]; sp--; argc--;
                        while (W.IsCons(l))
                        {
                            if (sp >= StackLimit)
                            {
                                // Grow: the spread's values go through fields across the call
                                // (live across it, they cost the hot paths registers).
                                GrowCallee = l; GrowArgc = argc; GrowRetSp = retSp;
                                bool grown = GrowStack(sp + 1);
                                l = GrowCallee; argc = GrowArgc; retSp = GrowRetSp; GrowCallee = W.Nil;
                                if (!grown) { sp = retSp; PendStack(); goto signal; }
                            }
                            s[sp++] = M.Car(l); argc++; l = M.Cdr(l);
                        }
                        if (l != W.Nil) { sp = retSp; PendType(l, S.List); goto signal; }
                    }
                    callee = s[sp - argc];
                    for (int j = sp - argc; j < sp - 1; j++) s[j] = s[j + 1];
                    sp--; argc--;
                    if (W.IsSymbol(callee))
                    {
                        a = callee;
                        callee = SymFunction(a);
                        if (!W.IsObj(callee) || a == W.Nil) { sp = retSp; PendCell(S.UndefinedFunction, a); goto signal; }
                    }
                    goto call;
                }
                th.Sp = sp; th.Nv = 1;
                fr[th.Fc - 1].Ip = ip;
                ulong r = Bfn[bi](this, new Args(s, sp - argc, argc));
                if (LispStreamFailed) { LispStreamFailed = false; r = Fail; }
                if (r == Fail) { sp = retSp; if (tail) ip = ~ip; goto failed; }   // ~ip: see doret
                if (r == TailCallReq)
                {
                    callee = TailFn; TailFn = W.Nil;
                    sp = sp - argc + TailArgc; argc = TailArgc;
                    goto call;
                }
                sp = retSp; s[sp++] = r;
                if (tail) goto doret;
                if (heap.GcEpoch == epoch) goto loop;   // same frame, nothing moved
                goto reload;
            }
            if (th.Fc >= MaxFrames) goto framegrow;
            if (tail)
            {
                int src = sp - argc;
                for (int j = 0; j < argc; j++) s[bp + j] = s[src + j];
                sp = bp + argc;
                Frame* cur = fr + (th.Fc - 1);
                cur->Fn = callee; cur->Argc = argc;
            }
            else
            {
                int fc = th.Fc;
                fr[fc - 1].Ip = ip;
                Frame* nf = fr + fc;
                bp = sp - argc;
                nf->Fn = callee; nf->Bp = bp; nf->Argc = argc; nf->RetSp = retSp; nf->Ip = 0;
                th.Fc = fc + 1;
            }
            {
                // Enter the callee: load its registers and run its ARGS without a dispatch
                // (bp and argc are already the new frame's).
                fnv = callee;
                ulong fo = M.Type(fnv) == ObjType.Closure ? M.Slot(fnv, 0) : fnv;
                code = M.Raw(M.Slot(fo, Fn.Code));
                consts = M.Slot(fo, Fn.Consts);
                epoch = heap.GcEpoch;
                if (code[0] == (byte)Op.Args) { ip = 1; goto args; }
                ip = 0;
                goto loop;
            }
        }

    // Cold paths that call out and then redo the instruction: the values of the ARGS or
    // call in progress are re-read, not kept across the call (kept, they cost the hot
    // paths registers: callgrind on tak).
    argsgrow:
        if (!GrowStack(bp + U16(code, ip - 2) + 256))
        {
            if (InOverflow) goto hardoverflow;
            PendStack(); goto signal;
        }
        ip -= 5;
        argc = fr[th.Fc - 1].Argc;
        goto argsdecode;

    framegrow:
        GrowCallee = callee; GrowArgc = argc; GrowRetSp = retSp; GrowTail = tail;
        if (!GrowFrameStack())
        {
            sp = GrowRetSp; GrowCallee = W.Nil;
            if (InOverflow) goto hardoverflow;
            PendStack(); goto signal;
        }
        callee = GrowCallee; argc = GrowArgc; retSp = GrowRetSp; tail = GrowTail;
        GrowCallee = W.Nil;
        goto call;

    notfn:
        if (W.IsSymbol(callee) && callee != W.Nil && W.IsObj(M.Slot(callee, Sy.Function)) && !IsMacroCell(M.Slot(callee, Sy.Function)))
        {
            callee = M.Slot(callee, Sy.Function);
            goto call;
        }
        sp = retSp;
        if (W.IsSymbol(callee)) PendCell(S.UndefinedFunction, callee);
        else PendType(callee, S.FunctionType);
        goto signal;

    doret:
        {
            a = s[sp - 1];
            int fc = th.Fc - 1;
            int rs = fr[fc].RetSp;
            th.Fc = fc;
            // Below this run's base (it ends) or below the watermark (VmStacks.cs).
            if (fc < th.RetFloor && ReturnBelowFloor(th, fc, baseFc))
            {
                th.Sp = rs;
                result = a;
                return RunStatus.Ok;
            }
            sp = rs; s[sp++] = a;
            ip = fr[fc - 1].Ip;
            // A negative Ip (~ip) marks a frame whose tail call of a builtin failed: the value
            // the condition's handler returned (USE-VALUE, CONTINUE) is the call's, so the
            // frame returns it too. Its own ip lies past its last instruction.
            if (ip < 0) goto doret;
            goto reload;
        }

    failed:
        if (PendUnwind) { PendUnwind = false; goto unwind; }
        goto signal;

    signal:
        // Turn the pending condition (Pend[0..PendN)) into a call of %SIGNAL-BUILTIN-ERROR
        // from the current frame, as if the failing instruction had called ERROR.
        th.Sp = sp;
        MaterializePend();
        callee = M.Slot(Syms[(int)S.SignalBuiltinError], Sy.Function);
        if (!W.IsObj(callee) || PendN == 0)
        {
            th.Sp = sp;
            resume = false;
            FallbackError();
            goto unwind;
        }
        if (sp + PendN + 16 >= th.SCap) sp = fr[th.Fc - 1].Bp;
        for (int j = 0; j < PendN; j++) s[sp++] = Pend[j];
        argc = PendN; PendN = 0;
        for (int j = 0; j < Pend.Length; j++) Pend[j] = W.Nil;
        retSp = sp - argc; tail = false;
        // A resumable interrupt's value goes back into the slot it was copied from.
        if (resume) { retSp--; resume = false; }
        if (th.Fc >= MaxFrames) EnterOverflow();
        goto call;

    hardoverflow:
        th.Sp = sp;
        PendSimple(S.StorageCondition, "Stack exhausted.");
        FallbackError();
        goto unwind;

    unwind:
        for (; ; )
        {
            int top = th.Cc - 1;
            if (top == PendTarget) break;
            CatchEntry e = th.C[top];
            if (e.Kind == CatchKind.RunBase)
            {
                th.Cc = top;
                UndoBindings(e.Bsp);
                th.Fc = e.Fc; th.Sp = e.Sp;
                th.NoteFc();
                PendUnwind = true;
                result = W.Nil;
                return RunStatus.Unwinding;
            }
            th.Cc = top;
            if (e.Kind == CatchKind.Uwp)
            {
                UndoBindings(e.Bsp);
                th.Fc = e.Fc; sp = e.Sp;
                th.NoteFc();
                int vn = th.Nv;
                if (sp + vn + 8 >= th.SCap) vn = 0;
                for (int j = 0; j < vn; j++) s[sp++] = mv[j];
                s[sp++] = M.Fix(vn);
                s[sp++] = M.Fix(PendTarget);
                s[sp++] = M.Fix(1);
                ip = e.Ip;
                if (InOverflow && th.Fc < th.MaxFrames - 64) EndOverflow();
                goto reload;
            }
        }
        {
            CatchEntry e = th.C[PendTarget];
            UndoBindings(e.Bsp);
            th.Fc = e.Fc; sp = e.Sp;
            th.NoteFc();
            if (InOverflow && th.Fc < th.MaxFrames - 64) EndOverflow();
            if (e.Kind == CatchKind.RunBase)
            {
                th.Cc = PendTarget;
                th.Sp = sp;
                result = W.Nil;
                return RunStatus.Aborted;
            }
            th.Cc = e.Kind == CatchKind.Tagbody ? PendTarget + 1 : PendTarget;
            s[sp++] = th.Nv > 0 ? mv[0] : W.Nil;
            ip = e.Ip;
            goto reload;
        }
    }

    /// <summary>Storage index of (i j) in the %marray a (slots: dims storage offset ...)
    /// when a is rank 2 over a simple vector and both indices are in range; else -1 (the
    /// caller then calls the Lisp function, whose errors name the problem).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static long Index2(ulong a, ulong i, ulong j, out ulong storage)
    {
        storage = M.Slot(a, 2);
        ulong dims = M.Slot(a, 1), off = M.Slot(a, 3);
        if (((i | j | off) & 3) != 0 || !W.IsCons(dims) || !M.Is(storage, ObjType.SimpleVector)) return -1;
        ulong rest = M.Cdr(dims);
        if (!W.IsCons(rest) || M.Cdr(rest) != W.Nil) return -1;
        ulong d0 = M.Car(dims), d1 = M.Car(rest);
        // Tagged fixnums compare like their values; a negative index is a huge ulong.
        if (((d0 | d1) & 3) != 0 || i >= d0 || j >= d1) return -1;
        long ix = M.FixVal(off) + M.FixVal(i) * M.FixVal(d1) + M.FixVal(j);
        return (ulong)ix < (ulong)M.Len(storage) ? ix : -1;
    }

    /// <summary>Storage index of (i j k) in a rank-3 %marray over a simple vector with
    /// in-range fixnum indices; else -1 (the caller calls %AREF-N / %SET-AREF).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static long Index3(ulong a, ulong i, ulong j, ulong k, out ulong storage)
    {
        storage = M.Slot(a, 2);
        ulong dims = M.Slot(a, 1), off = M.Slot(a, 3);
        if (((i | j | k | off) & 3) != 0 || !W.IsCons(dims) || !M.Is(storage, ObjType.SimpleVector)) return -1;
        ulong r1 = M.Cdr(dims);
        if (!W.IsCons(r1)) return -1;
        ulong r2 = M.Cdr(r1);
        if (!W.IsCons(r2) || M.Cdr(r2) != W.Nil) return -1;
        ulong d0 = M.Car(dims), d1 = M.Car(r1), d2 = M.Car(r2);
        // Tagged fixnums compare like their values; a negative index is a huge ulong.
        if (((d0 | d1 | d2) & 3) != 0 || i >= d0 || j >= d1 || k >= d2) return -1;
        long ix = M.FixVal(off) + (M.FixVal(i) * M.FixVal(d1) + M.FixVal(j)) * M.FixVal(d2) + M.FixVal(k);
        return (ulong)ix < (ulong)M.Len(storage) ? ix : -1;
    }

    // Frame sanity checks at every reload (LISPVM_VM_DEBUG=1, set by the hosted build).
    // Kernel-safe: no BCL here; the message is a fixed text, the status says where.
    public bool DebugChecks;
    static readonly byte[] DebugFailText = { (byte)'V', (byte)'M', (byte)' ', (byte)'d', (byte)'e',
        (byte)'b', (byte)'u', (byte)'g', (byte)':', (byte)' ', (byte)'b', (byte)'a', (byte)'d',
        (byte)' ', (byte)'f', (byte)'r', (byte)'a', (byte)'m', (byte)'e', (byte)'\n' };
    void DebugFail(string what, int ip)
    {
        Platform.Write(DebugFailText, DebugFailText.Length);
        Platform.Exit(99);
    }

    internal void UndoBindings(int to)
    {
        LispThread th = Th;
        while (th.Bsp > to)
        {
            th.Bsp--;
            Heap.SetSlot(th.B[th.Bsp * 2], Sy.Value, th.B[th.Bsp * 2 + 1]);
        }
        if (to < th.LowBsp) th.LowBsp = to < 0 ? 0 : to;
    }

    /// <summary>Safe point work. Returns true when a condition is pending (goto signal).</summary>
    bool SafePoint()
    {
        if (InterruptFlag != 0)
        {
            InterruptFlag = 0;
            PendN = 1; Pend[0] = Syms[(int)S.InteractiveInterrupt];
            return true;
        }
        if (Heap.StorageExhausted)
        {
            Heap.AcknowledgeStorageExhausted();
            PendSimple(S.StorageCondition, "Heap exhausted.");
            return true;
        }
        if (stepLimit != 0 && Steps > stepLimit)
        {
            Steps = 0;
            if (Poller != null) return PollAtSafePoint();   // kernel console poll (VmPoll.cs)
            // Not an ERROR: ignore-errors inside a runaway loop must not swallow the limit.
            PendSimple(S.StorageCondition, "Step limit exceeded.");
            return true;
        }
        return false;
    }
}
