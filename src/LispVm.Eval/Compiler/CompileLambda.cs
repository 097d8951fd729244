// Lambda lists and closures, blocks and tagbody. A function's prologue is ARGS (count
// check, &optional fill, &rest list) and KEYS (&key parsing); defaults are compiled code.
// Blocks/tagbodies reserve a 9-byte placeholder that becomes a catch entry only if some
// exit really needs one (from a closure or across dynamic state); otherwise exits are
// plain jumps.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Compiler
{
    /// <summary>Compile (lambda-list . body) as a new function and push its closure.</summary>
    bool CClosure(ulong name, int lbi, int ctx)
    {
        int f = CompileLambda(name, lbi);
        if (f < 0) return false;
        int k = AddConst((ulong)f, true);
        int ncap = funcs[f].NCap;
        if (ncap == 0) { EOp16(Op.Const, k); Push(1); }
        else
        {
            if (ncap > 255) return Err("Too many closed-over variables (more than 255).");
            for (int idx = 0; idx < ncap; idx++)
            {
                int v = -1;
                for (int i = funcs[f].CapHead; i >= 0; i = caps[i].Next) if (caps[i].Index == idx) { v = caps[i].Var; break; }
                if (vars[v].Func == cf) EOp16(Op.Local, vars[v].Slot);
                else EOp16(Op.Closed, CaptureIndex(cf, v));
                Push(1);
            }
            EOp(Op.MkClos); E16(k); E(ncap); Push(1 - ncap);
        }
        Finish(ctx);
        return true;
    }

    bool IsLambdaKeyword(ulong x)
    {
        return x == Sym(S.AmpOptional) || x == Sym(S.AmpRest) || x == Sym(S.AmpBody) || x == Sym(S.AmpKey)
            || x == Sym(S.AmpAux) || x == Sym(S.AmpAllowOtherKeys) || x == Sym(S.AmpWhole) || x == Sym(S.AmpEnvironment);
    }

    /// <summary>Returns the function index, or -1 on error.</summary>
    int CompileLambda(ulong name, int lbi)
    {
        if (!W.IsCons(R[lbi]) && R[lbi] != W.Nil) { Err("Bad lambda expression."); return -1; }
        int envMark = ntop, firstVar = nvars, savedRtop = rtop;
        int lli = P(Car(R[lbi]));
        int f = BeginFunc(name);
        funcLL[f] = R[lli];
        // Pass 1: shape.
        int req = 0, opt = 0, nkeys = 0; bool rest = false, key = false, allow = false;
        int state = 0; // 0 req 1 opt 2 rest 3 key 4 aux
        for (ulong l = R[lli]; W.IsCons(l); l = M.Cdr(l))
        {
            ulong p = M.Car(l);
            if (p == Sym(S.AmpOptional)) { state = 1; continue; }
            if (p == Sym(S.AmpRest) || p == Sym(S.AmpBody)) { state = 2; rest = true; continue; }
            if (p == Sym(S.AmpKey)) { state = 3; key = true; continue; }
            if (p == Sym(S.AmpAllowOtherKeys)) { allow = true; continue; }
            if (p == Sym(S.AmpAux)) { state = 4; continue; }
            if (IsLambdaKeyword(p)) { EndFuncAbort(); Err1("Unsupported lambda list keyword ~S.", p); return -1; }
            if (state == 3)
            {   // pass 2 takes the keyword from this name: a non-symbol would crash it
                ulong v = W.IsCons(p) ? M.Car(p) : p;
                if (!(W.IsSymbol(v) || (W.IsCons(v) && W.IsSymbol(M.Car(v)))))
                { EndFuncAbort(); Err1("Bad &KEY parameter ~S.", p); return -1; }
            }
            if (state == 0) req++; else if (state == 1) opt++; else if (state == 3) nkeys++;
        }
        if (req > 250 || opt > 250) { EndFuncAbort(); Err("Too many parameters."); return -1; }
        int restSlot = req + opt;
        funcs[f].CurLocals = funcs[f].NLocals = req + opt + (rest || key ? 1 : 0) + nkeys;
        EOp(Op.Args); E(req); E(opt); E(rest || key ? 1 : 0); funcs[f].ArgsPos = Here; E16(0);
        if (key)
        {
            int kwStart = rtop;
            state = 0;
            int li = P(R[lli]);
            for (; W.IsCons(R[li]); R[li] = M.Cdr(R[li]))
            {
                ulong p = M.Car(R[li]);
                if (p == Sym(S.AmpKey)) { state = 3; continue; }
                if (IsLambdaKeyword(p)) { state = p == Sym(S.AmpAllowOtherKeys) ? state : 9; continue; }
                if (state != 3) continue;
                ulong kw;
                if (W.IsCons(p) && W.IsCons(M.Car(p))) kw = M.Car(M.Car(p));
                else kw = vm.KeywordOf(W.IsCons(p) ? M.Car(p) : p);
                P(kw);
            }
            int kvi = P(heap.AllocBoxed(ObjType.SimpleVector, nkeys));
            for (int i = 0; i < nkeys; i++) heap.SetSlot(R[kvi], i, R[kwStart + 1 + i]);
            EOp(Op.Keys); E16(AddConst(R[kvi], false)); E16(restSlot); E(allow ? 1 : 0);
        }
        int bodyi = ParseBody(Cdr(R[lbi]), true, out int spS, out int spN);
        // Pass 2: bind parameters in order.
        int nspec = 0, slot = 0, keySlot = restSlot + 1;
        state = 0;
        int it = P(R[lli]);
        for (; W.IsCons(R[it]); R[it] = M.Cdr(R[it]))
        {
            ulong p = M.Car(R[it]);
            if (p == Sym(S.AmpOptional)) { state = 1; continue; }
            if (p == Sym(S.AmpRest) || p == Sym(S.AmpBody)) { state = 2; continue; }
            if (p == Sym(S.AmpKey)) { state = 3; continue; }
            if (p == Sym(S.AmpAllowOtherKeys)) continue;
            if (p == Sym(S.AmpAux)) { state = 4; continue; }
            ulong pname = W.IsCons(p) ? M.Car(p) : p;
            if (state == 3 && W.IsCons(pname)) pname = Cadr(pname);
            if (!W.IsSymbol(pname) || pname == W.Nil) { EndFuncAbort(); Err1("Bad parameter ~S.", p); return -1; }
            int ps;
            if (state == 0) ps = slot++;
            else if (state == 1) ps = slot++;
            else if (state == 2) ps = restSlot;
            else if (state == 3) ps = keySlot++;
            else ps = AllocSlot();
            if (state == 1 || state == 3)
            {
                // supplied-p first (before the default overwrites the marker), then default
                ulong svar = W.IsCons(p) ? Car(Cddr(p)) : W.Nil;
                int sv = -1;
                if (svar != W.Nil)
                {
                    sv = NewVar(AllocSlot());
                    EOp16(Op.BoundP, ps); Push(1); EVarBind(sv);
                }
                int lskip = NewLabel();
                EOp(Op.JBound); E16(ps); FixAt(lskip, Here); E32(0);
                if (!C(W.IsCons(M.Car(R[it])) ? Cadr(M.Car(R[it])) : W.Nil, 0)) { EndFuncAbort(); return -1; }
                EOp16(Op.BindL, ps); Push(-1);
                Mark(lskip);
                p = M.Car(R[it]);
                pname = W.IsCons(p) ? M.Car(p) : p;
                if (state == 3 && W.IsCons(pname)) pname = Cadr(pname);
                BindParam(pname, ps, spS, spN, ref nspec);
                if (sv >= 0) PushEnv(EVar, Car(Cddr(p)), sv);
                continue;
            }
            if (state == 4)
            {
                if (!C(W.IsCons(p) ? Cadr(p) : W.Nil, 0)) { EndFuncAbort(); return -1; }
                EOp16(Op.BindL, ps); Push(-1);
                p = M.Car(R[it]);
                pname = W.IsCons(p) ? M.Car(p) : p;
            }
            BindParam(pname, ps, spS, spN, ref nspec);
        }
        PushFreeSpecials(spS, spN);
        bool ok;
        if (nspec > 0)
        {
            funcs[cf].Dyn++;
            ok = CProgn(bodyi, MvCtx);
            EOp(Op.Unbind); E(nspec); EOp(Op.Ret);
        }
        else ok = CProgn(bodyi, Tail);
        if (ok) for (int v = firstVar; v < nvars; v++) FinishVar(v);   // failed: the code is discarded (patch sites may be gone)
        ntop = envMark;
        rtop = savedRtop;
        if (!ok) { EndFuncAbort(); return -1; }
        EndFunc();
        return f;
    }

    void BindParam(ulong pname, int ps, int spS, int spN, ref int nspec)
    {
        if (DeclaredSpecial(pname, spS, spN))
        {
            EOp16(Op.Local, ps); Push(1);
            EOp16(Op.Bind, Const(pname)); Push(-1);
            nspec++;
            PushEnv(ESpecial, pname, 0);
            return;
        }
        int v = NewVar(ps);
        EOp(Op.Skip2); AddPatch(v, Here - 1); E16(ps);
        PushEnv(EVar, pname, v);
    }

    /// <summary>Abandon the function being compiled (error path).</summary>
    void EndFuncAbort()
    {
        funcs[cf].Done = true;
        funcs[cf].DoneStart = int.MaxValue;
        cf = funcs[cf].Parent;
    }

    // ---------------- block / return-from ----------------

    /// <summary>Conservative scan: may the raw body contain (return-from name ...)?</summary>
    bool MayReturnFrom(ulong body, ulong name)
    {
        ulong* stack = stackalloc ulong[512];
        int n = 0; stack[n++] = body;
        int budget = 20000;
        while (n > 0)
        {
            ulong x = stack[--n];
            while (W.IsCons(x))
            {
                if (--budget < 0) return true;
                ulong a = M.Car(x);
                if (a == Sym(S.ReturnFrom) && W.IsCons(M.Cdr(x)) && M.Car(M.Cdr(x)) == name) return true;
                if (name == W.Nil && a == Sym(S.Return)) return true;
                if (W.IsCons(a)) { if (n >= 512) return true; stack[n++] = a; }
                x = M.Cdr(x);
            }
        }
        return false;
    }

    int NewBlock()
    {
        if (nblocks >= blocks.Length) { overflow = true; return 0; }
        blocks[nblocks] = new BlockRec { Func = cf, Depth = funcs[cf].Depth, Dyn = funcs[cf].Dyn, CrossHead = -1, TagVar = -1, ExitLabel = NewLabel() };
        return nblocks++;
    }

    void Placeholder9() { for (int i = 0; i < 9; i++) EOp(Op.Nop); }

    void MakeReal(int b, int kind, int resumePos)
    {
        int f = blocks[b].Func;
        int p = blocks[b].EntryPos;
        CodeAt(f, p) = (byte)Op.BlockE; CodeAt(f, p + 1) = (byte)kind; Put32(f, p + 2, resumePos);
        CodeAt(f, p + 6) = (byte)Op.BindL; Put16(f, p + 7, vars[blocks[b].TagVar].Slot);
        CodeAt(f, blocks[b].ExitLocal) = (byte)Op.EndCatch;
        for (int i = blocks[b].CrossHead; i >= 0; i = patches[i].Next) CodeAt(patches[i].Func, patches[i].Off) = (byte)Op.EndCatch;
    }

    bool CBlock(int xi, int ctx)
    {
        ulong name = Cadr(R[xi]);
        if (!W.IsSymbol(name)) return Err1("Bad block name ~S.", name);
        int envMark = ntop, savedLocals = funcs[cf].CurLocals;
        int b = NewBlock();
        blocks[b].Ctx = MvOf(ctx);
        if ((ctx & Tail) != 0 && !MayReturnFrom(Cddr(R[xi]), name))
        {
            blocks[b].TailMode = true;
            PushEnv(EBlock, name, b);
            bool ok0 = CProgn(P(Cddr(R[xi])), ctx);
            ntop = envMark;
            return ok0;
        }
        blocks[b].TagVar = NewVar(AllocSlot());
        blocks[b].EntryPos = Here;
        Placeholder9();
        PushEnv(EBlock, name, b);
        bool ok = CProgn(P(Cddr(R[xi])), MvOf(ctx));
        blocks[b].ExitLocal = Here;
        Mark(blocks[b].ExitLabel);
        EOp(Op.Nop);
        blocks[b].ExitThrow = Here;
        if (blocks[b].Real) MakeReal(b, 1, blocks[b].ExitThrow);
        ntop = envMark; funcs[cf].CurLocals = savedLocals;
        if ((ctx & Tail) != 0) EOp(Op.Ret);
        return ok;
    }

    /// <summary>Emit a patchable EndCatch byte for every placeholder block/tagbody of this
    /// function between the env top and target env entry e.</summary>
    void CrossBlocks(int e)
    {
        for (int i = ntop - 1; i > e; i--)
        {
            if (envKind[i] != EBlock) continue;
            int ib = envIndex[i];
            if (blocks[ib].Func != cf || blocks[ib].TailMode) continue;
            if (npatches >= patches.Length) { overflow = true; return; }
            patches[npatches] = new PatchRec { Func = cf, Off = Here, Next = blocks[ib].CrossHead };
            blocks[ib].CrossHead = npatches++;
            EOp(Op.Nop);
        }
    }

    bool CReturnFrom(int xi, int ctx)
    {
        ulong name = Cadr(R[xi]);
        int e = LookupKind(name, EBlock);
        if (e < 0) return Err1("RETURN-FROM unknown block ~S.", name);
        int b = envIndex[e];
        bool local = blocks[b].Func == cf && blocks[b].Dyn == funcs[cf].Dyn;
        if (blocks[b].TailMode)
        {
            if (!local) return Err1("Cannot RETURN-FROM ~S from here (block compiled in tail mode).", name);
            return C(Car(Cddr(R[xi])), Tail);
        }
        if (local)
        {
            if (!C(Car(Cddr(R[xi])), blocks[b].Ctx)) return false;
            int drop = funcs[cf].Depth - 1 - blocks[b].Depth;
            if (drop > 0) EOp16(Op.Slide, drop);
            CrossBlocks(e);
            EJump(Op.Jmp, blocks[b].ExitLabel);
            funcs[cf].Depth = funcs[cf].Depth - drop;
            return true;
        }
        blocks[b].Real = true;
        EVarRef(blocks[b].TagVar);
        if (!C(Car(Cddr(R[xi])), MvCtx)) return false;
        EOp(Op.Throw); E(1); Push(-1);
        return true;
    }

    // ---------------- tagbody / go ----------------
    bool CTagbody(int xi, int ctx)
    {
        int envMark = ntop, savedLocals = funcs[cf].CurLocals;
        int b = NewBlock();
        blocks[b].TagVar = NewVar(AllocSlot());
        blocks[b].EntryPos = Here;
        Placeholder9();
        PushEnv(EBlock, W.Unbound, b);
        int ntags = 0, label0 = nlabels;
        blocks[b].TagLabel0 = label0;
        for (ulong l = Cdr(R[xi]); W.IsCons(l); l = M.Cdr(l))
        {
            ulong t = M.Car(l);
            if (W.IsCons(t)) continue;
            NewLabel();
            int e = PushEnv(ETag, t, b);
            envAux[e] = ntags++;
        }
        if (ntags > 255) return Err("Too many tags in one TAGBODY.");
        blocks[b].NTags = ntags;
        int it = P(Cdr(R[xi]));
        int ti = 0;
        while (W.IsCons(R[it]))
        {
            ulong t = M.Car(R[it]);
            if (!W.IsCons(t)) { Mark(label0 + ti); ti++; }
            else
            {
                if (!C(t, 0)) return false;
                EOp(Op.Pop); Push(-1);
            }
            R[it] = M.Cdr(R[it]);
        }
        blocks[b].ExitLocal = Here;
        EOp(Op.Nop);
        int lend = NewLabel();
        EJump(Op.Jmp, lend);
        int dispatch = Here;
        EOp(Op.TagDispatch); E(ntags);
        for (int i = 0; i < ntags; i++) { FixAt(label0 + i, Here); E32(0); }
        Mark(lend);
        if (blocks[b].Real) MakeReal(b, 2, dispatch);
        ntop = envMark; funcs[cf].CurLocals = savedLocals;
        EConst(W.Nil);
        Finish(ctx);
        return true;
    }

    bool CGo(int xi)
    {
        ulong tag = Cadr(R[xi]);
        int e = -1;
        for (int i = ntop - 1; i >= envBase; i--)
            if (envKind[i] == ETag && envName[i] == tag) { e = i; break; }
        if (e < 0) return Err1("GO to unknown tag ~S.", tag);
        int b = envIndex[e];
        int label;
        bool local = blocks[b].Func == cf && blocks[b].Dyn == funcs[cf].Dyn;
        if (local)
        {
            int drop = funcs[cf].Depth - blocks[b].Depth;
            if (drop > 0) EOp16(Op.Drop, drop);
            CrossBlocks(FindBlockEnv(b));
            label = TagLabel(e);
            EJump(Op.Jmp, label);
            funcs[cf].Depth -= drop;
            EConst(W.Nil);
            return true;
        }
        blocks[b].Real = true;
        EVarRef(blocks[b].TagVar);
        EConst(M.Fix(envAux[e]));
        EOp(Op.Set1);
        EOp(Op.Throw); E(2); Push(-1);
        return true;
    }

    int FindBlockEnv(int b)
    {
        for (int i = ntop - 1; i >= envBase; i--) if (envKind[i] == EBlock && envIndex[i] == b) return i;
        return envBase;
    }

    int TagLabel(int e)
    {
        // The tagbody's labels are the NTags labels allocated right after its EBlock entry
        // was pushed; find the first ETag entry of this tagbody to compute the base.
        return blocks[envIndex[e]].TagLabel0 + envAux[e];
    }
}
