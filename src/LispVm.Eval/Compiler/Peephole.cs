// Why: the one-pass compiler leaves placeholders it could not know the need for while
// emitting (9 NOPs per BLOCK/TAGBODY entry that did not become a real catch entry, a SKIP2
// per parameter that did not need a value cell, a NOP per block exit) and emits each
// operand on its own. The VM pays one dispatch per instruction, so before a function
// becomes a heap object this pass drops the no-ops and fuses the most frequent pairs
// (measured per opcode pair on the Gabriel benchmarks: LOCAL+CDR, LOCAL+JNIL, NOT+JNIL...).
// Runs after every patch of the function is applied (Finalize), rewrites in place (output
// never longer than input) and remaps every code-offset operand. Anything it does not
// recognise leaves the function as it was. Instruction lengths and jump-operand positions
// come from the one opcode table (Vm/OpInfo.cs); only the fused forms it writes spell
// their layouts out.
namespace LispVm.Eval;

public sealed unsafe partial class Compiler
{
    const int PeepMax = 1 << 16;                 // longer functions are left alone
    readonly int[] peepMap = new int[PeepMax + 1]; // old instruction start -> new offset
    readonly byte[] peepTarget = new byte[PeepMax + 1];

    /// <summary>Length of the instruction at c[p], or -1 if unknown / truncated (OpInfo's table).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    static int InsnLen(byte[] len, byte[] c, int p, int end)
    {
        int n = len[c[p]];
        if (n == 0) return OpInfo.Length(c, p, end);   // TAGDISPATCH (or unknown)
        return p + n <= end ? n : -1;
    }

    static int Get16(byte[] c, int p) { return c[p] | (c[p + 1] << 8); }
    static int Get32(byte[] c, int p) { return c[p] | (c[p + 1] << 8) | (c[p + 2] << 16) | (c[p + 3] << 24); }
    /// <summary>Writes op s s2 (two u16 operands) at w; returns the position after it.</summary>
    static int Emit2(byte[] c, int w, Op op, int s, int s2)
    {
        c[w] = (byte)op; c[w + 1] = (byte)s; c[w + 2] = (byte)(s >> 8); c[w + 3] = (byte)s2; c[w + 4] = (byte)(s2 >> 8);
        return w + 5;
    }
    static bool IsBranch(Op o) { return o == Op.JNil || o == Op.JT; }
    /// <summary>What a LOCAL fuses with better than with the instruction before it.</summary>
    static bool LocalPairsWith(Op next) { return next == Op.Car || next == Op.Cdr || next == Op.Not || next == Op.Consp || next == Op.Atom || IsBranch(next); }
    /// <summary>The compare-and-branch op for a compare followed by JNIL/JT, else NOP.</summary>
    static Op CompareBranch(Op o)
    {
        switch (o)
        {
            case Op.Lt: return Op.LtJ; case Op.Gt: return Op.GtJ; case Op.Le: return Op.LeJ; case Op.Ge: return Op.GeJ;
            case Op.NumEq: return Op.NumEqJ; case Op.Eq: return Op.EqJ; case Op.Eql: return Op.EqlJ;
            default: return Op.Nop;
        }
    }
    /// <summary>Before fusing, on the validated code (dead code and the live jump targets marked): a jump to a JMP
    /// goes where that JMP goes; a JMP to the next instruction (past NOP/SKIP2 placeholders)
    /// becomes NOPs; JNIL/JT over a JMP that is no jump target becomes the opposite test
    /// to the JMP's target, as (if (atom l) (go end)) compiles: ATOM JNIL x JMP end x: ->
    /// ATOM JT end. Conditional jumps only ever go forward (backward JMPs are where the VM
    /// polls). Lengths do not change, so the targets stay valid; the liveness pass
    /// after this recounts them.</summary>
    void ThreadJumps(byte[] c, int start, int end, byte[] len8)
    {
        for (int p = start; p < end; p += InsnLen(len8, c, p, end))
        {
            Op o = (Op)c[p];
            if ((o != Op.Jmp && o != Op.JNil && o != Op.JT && o != Op.JTK) || (peepTarget[p - start] & 4) != 0) continue;
            // Only JMP polls (interrupts, preemption, the step limit) when it jumps back: a
            // conditional jump must stay forward, so it is threaded only to a forward target.
            int t = FinalTarget(c, start, end, len8, Get32(c, p + 1));
            if (o != Op.Jmp && t <= p - start) t = Get32(c, p + 1);
            Set32(c, p + 1, t);
            int q = p + 5;
            if (o == Op.Jmp)
            {
                if (t == Placeholders(c, start, end, len8, q) - start) for (int j = 0; j < 5; j++) c[p + j] = (byte)Op.Nop;
                continue;
            }
            q = Placeholders(c, start, end, len8, q);
            if (o == Op.JTK || q >= end || (Op)c[q] != Op.Jmp || (peepTarget[q - start] & 1) != 0 || t != Placeholders(c, start, end, len8, q + 5) - start) continue;
            int u = FinalTarget(c, start, end, len8, Get32(c, q + 1));
            if (u <= p - start) continue;   // a loop's back edge stays a JMP
            c[p] = (byte)(o == Op.JNil ? Op.JT : Op.JNil); Set32(c, p + 1, u);
            for (int j = 0; j < 5; j++) c[q + j] = (byte)Op.Nop;
        }
    }
    /// <summary>The first instruction at or after p that is not a NOP/SKIP2 placeholder or
    /// dead code (pass 2 drops those, so a jump to p lands there).</summary>
    int Placeholders(byte[] c, int start, int end, byte[] len8, int p)
    {
        while (p < end && ((Op)c[p] == Op.Nop || (Op)c[p] == Op.Skip2 || (peepTarget[p - start] & 4) != 0)) p += InsnLen(len8, c, p, end);
        return p;
    }
    /// <summary>Where a jump to t (relative) ends up: past placeholders and through up to
    /// 16 JMPs (a JMP loop stops there).</summary>
    int FinalTarget(byte[] c, int start, int end, byte[] len8, int t)
    {
        for (int k = 0; k < 16; k++)
        {
            int at = Placeholders(c, start, end, len8, start + t);
            if (at >= end || (Op)c[at] != Op.Jmp) return at - start;
            t = Get32(c, at + 1);
        }
        return t;
    }
    static void Set32(byte[] c, int p, int v) { c[p] = (byte)v; c[p + 1] = (byte)(v >> 8); c[p + 2] = (byte)(v >> 16); c[p + 3] = (byte)(v >> 24); }

    /// <summary>Optimises code[start, start+len) in place; returns the new length. Pass 2
    /// writes at w <= r, so a fused instruction may overwrite the ones it replaces: lengths
    /// of those come from the opcodes read before writing.</summary>
    int Peephole(byte[] c, int start, int len)
    {
        if (len > PeepMax) return len;
        int end = start + len;
        byte[] len8 = OpInfo.Len;   // instruction lengths by opcode (loaded once)
        byte[] jumpAt = OpInfo.JumpAt;
        int* offs = stackalloc int[256];
        // Pass 1: validate, mark instruction starts (2) and jump targets (1).
        for (int i = 0; i <= len; i++) peepTarget[i] = 0;
        peepTarget[len] = 2;
        for (int p = start; p < end;)
        {
            int n = InsnLen(len8, c, p, end);
            if (n < 0) return len;
            peepTarget[p - start] |= 2;
            int k = OpInfo.JumpOperands(jumpAt, c, p, offs);
            for (int j = 0; j < k; j++)
            {
                int t = Get32(c, offs[j]);
                if (t < 0 || t > len) return len;
                peepTarget[t] |= 1;
            }
            p += n;
        }
        for (int i = 0; i <= len; i++) if (peepTarget[i] == 1) return len;   // a jump into an instruction
        // Unreachable code (4): what follows an unconditional transfer up to the next jump
        // target (the compiler emits e.g. the JMP over an else branch after a RETURN-FROM's
        // own JMP). Then recount the targets from live code only, so the join point such a
        // dead JMP targeted can be fused with what precedes it.
        {
            bool live = true;
            for (int p = start; p < end; p += InsnLen(len8, c, p, end))
            {
                if ((peepTarget[p - start] & 1) != 0) live = true;
                if (!live) peepTarget[p - start] |= 4;
                Op o = (Op)c[p];
                if (o == Op.Jmp || o == Op.Ret || o == Op.Ret1 || o == Op.TCallG || o == Op.TCall || o == Op.Throw || o == Op.TagDispatch)
                    live = false;
            }
            for (int i = 0; i <= len; i++) peepTarget[i] &= 6;
            for (int p = start; p < end; p += InsnLen(len8, c, p, end))
            {
                if ((peepTarget[p - start] & 4) != 0) continue;
                int k = OpInfo.JumpOperands(jumpAt, c, p, offs);
                for (int j = 0; j < k; j++) peepTarget[Get32(c, offs[j])] |= 1;
            }
            // Jumps threaded, then the targets counted once more: fewer targets, more fusing.
            ThreadJumps(c, start, end, len8);
            for (int i = 0; i <= len; i++) peepTarget[i] &= 6;
            for (int p = start; p < end; p += InsnLen(len8, c, p, end))
            {
                if ((peepTarget[p - start] & 4) != 0) continue;
                int k = OpInfo.JumpOperands(jumpAt, c, p, offs);
                for (int j = 0; j < k; j++) peepTarget[Get32(c, offs[j])] |= 1;
            }
        }
        // Pass 2: rewrite forward (w <= r always), old jump targets kept in operands.
        int w = start;
        for (int r = start; r < end;)
        {
            int n = InsnLen(len8, c, r, end);
            Op op = (Op)c[r];
            int r2 = r + n;
            Op op2 = r2 < end ? (Op)c[r2] : Op.Nop;
            bool can2 = r2 < end && (peepTarget[r2 - start] & 1) == 0;       // next insn is not a jump target
            int n2 = can2 ? InsnLen(len8, c, r2, end) : 0;
            int r3 = r2 + n2;
            bool can3 = can2 && r3 < end && (peepTarget[r3 - start] & 1) == 0;
            Op op3 = can3 ? (Op)c[r3] : Op.Nop;
            peepMap[r - start] = w - start;
            if (op == Op.Nop || op == Op.Skip2 || (peepTarget[r - start] & 4) != 0) { r = r2; continue; }
            if (can2 && op == Op.Nil && op2 == Op.Pop) { peepMap[r2 - start] = w - start; r = r3; continue; }
            if (can2 && op == Op.SetL && op2 == Op.Pop)
            {
                int s = Get16(c, r + 1);
                peepMap[r2 - start] = w - start;
                c[w] = (byte)Op.BindL; c[w + 1] = (byte)s; c[w + 2] = (byte)(s >> 8); w += 3;
                r = r3; continue;
            }
            if (can2 && op == Op.Pop && op2 == Op.Local && !(can3 && LocalPairsWith(op3)))
            {
                peepMap[r2 - start] = w - start;
                c[w] = (byte)Op.PopLocal; c[w + 1] = c[r2 + 1]; c[w + 2] = c[r2 + 2]; w += 3;
                r = r3; continue;
            }
            if (can2 && op == Op.Not && IsBranch(op2))
            {
                int t = Get32(c, r2 + 1);
                peepMap[r2 - start] = w - start;
                c[w] = (byte)(op2 == Op.JNil ? Op.JT : Op.JNil); Set32(c, w + 1, t); w += 5;
                r = r3; continue;
            }
            if (can2 && op == Op.Local)
            {
                int s = Get16(c, r + 1);
                bool notJ = op2 == Op.Not && can3 && IsBranch(op3);
                if (IsBranch(op2) || notJ)
                {
                    int jr = notJ ? r3 : r2;
                    bool jumpIfNil = notJ ? op3 == Op.JT : op2 == Op.JNil;  // LOCAL NOT JT: jump if the local is NIL
                    int t = Get32(c, jr + 1);
                    peepMap[r2 - start] = w - start;
                    if (notJ) peepMap[r3 - start] = w - start;
                    c[w] = (byte)(jumpIfNil ? Op.JNilL : Op.JTL); c[w + 1] = (byte)s; c[w + 2] = (byte)(s >> 8); Set32(c, w + 3, t); w += 7;
                    r = jr + len8[(int)(notJ ? op3 : op2)]; continue;   // (c[jr] may be overwritten)
                }
                // LOCAL CONSP/ATOM JNIL/JT: a jump on the local's type (dolist's end test).
                if ((op2 == Op.Consp || op2 == Op.Atom) && can3 && IsBranch(op3))
                {
                    bool ifCons = (op2 == Op.Consp) == (op3 == Op.JT);
                    int t = Get32(c, r3 + 1);
                    peepMap[r2 - start] = w - start; peepMap[r3 - start] = w - start;
                    c[w] = (byte)(ifCons ? Op.JConsL : Op.JAtomL); c[w + 1] = (byte)s; c[w + 2] = (byte)(s >> 8); Set32(c, w + 3, t); w += 7;
                    r = r3 + len8[(int)op3]; continue;
                }
                // LOCAL CDR BINDL (or SETL POP): slot2 = (cdr slot), as in (setq l (cdr l)).
                if ((op2 == Op.Car || op2 == Op.Cdr) && can3 && (op3 == Op.BindL || op3 == Op.SetL))
                {
                    int r4 = r3 + len8[(int)op3];
                    bool setPop = op3 == Op.SetL;
                    if (!setPop || (r4 < end && (Op)c[r4] == Op.Pop && (peepTarget[r4 - start] & 1) == 0))
                    {
                        peepMap[r2 - start] = w - start; peepMap[r3 - start] = w - start;
                        if (setPop) peepMap[r4 - start] = w - start;
                        w = Emit2(c, w, op2 == Op.Car ? Op.CarToL : Op.CdrToL, s, Get16(c, r3 + 1));
                        r = setPop ? r4 + len8[(int)Op.Pop] : r4; continue;
                    }
                }
                if (op2 == Op.Car || op2 == Op.Cdr)
                {
                    peepMap[r2 - start] = w - start;
                    c[w] = (byte)(op2 == Op.Car ? Op.LocalCar : Op.LocalCdr); c[w + 1] = (byte)s; c[w + 2] = (byte)(s >> 8); w += 3;
                    r = r3; continue;
                }
                // LOCAL SREF: a structure accessor on a local variable.
                if (op2 == Op.SRef)
                {
                    peepMap[r2 - start] = w - start;
                    c[w] = (byte)Op.LocalSRef; c[w + 1] = (byte)s; c[w + 2] = (byte)(s >> 8);
                    for (int j = 1; j < 7; j++) c[w + 2 + j] = c[r2 + j];
                    w += 9; r = r3; continue;
                }
                // LOCAL SETL POP (SETL POP is BINDL): a move.
                if (op2 == Op.SetL && can3 && op3 == Op.Pop)
                {
                    peepMap[r2 - start] = w - start; peepMap[r3 - start] = w - start;
                    w = Emit2(c, w, Op.MovL, s, Get16(c, r2 + 1));
                    r = r3 + len8[(int)op3]; continue;
                }
                // LOCAL LOCAL, unless the second one fuses with what follows it (LOCAL CAR...).
                if ((op2 == Op.Local && !(can3 && LocalPairsWith(op3))) || op2 == Op.BindL)
                {
                    peepMap[r2 - start] = w - start;
                    w = Emit2(c, w, op2 == Op.Local ? Op.Local2 : Op.MovL, s, Get16(c, r2 + 1));
                    r = r3; continue;
                }
                if (op2 == Op.Fix8)
                {
                    byte k = c[r2 + 1];
                    peepMap[r2 - start] = w - start;
                    c[w] = (byte)Op.LocalFix8; c[w + 1] = (byte)s; c[w + 2] = (byte)(s >> 8); c[w + 3] = k; w += 4;
                    r = r3; continue;
                }
            }
            Op fused = CompareBranch(op);
            if (fused != Op.Nop && r2 < end && (IsBranch(op2) || (op2 == Op.Not && can3 && IsBranch(op3))))
                op = fused;   // in place, operands kept: the JNIL/JT (NOT+JNIL fused into JT next) stays right after it
            c[w] = (byte)op;
            for (int j = 1; j < n; j++) c[w + j] = c[r + j];
            w += n; r = r2;
        }
        peepMap[len] = w - start;
        // Pass 3: remap the code-offset operands of the new code.
        for (int p = start; p < w;)
        {
            int k = OpInfo.JumpOperands(jumpAt, c, p, offs);
            for (int j = 0; j < k; j++) Set32(c, offs[j], peepMap[Get32(c, offs[j])]);
            p += InsnLen(len8, c, p, w);
        }
        return w - start;
    }
}
