// Why: the widths in the opcode table (Vm/OpInfo.cs) are what the compiler, the peephole
// pass and the VM must agree on; a wrong one shows up far from its cause. This checker
// decodes a compiled function with the table from its first byte to its last and says
// what is wrong: an unknown opcode, an instruction running past the end, a jump outside
// the code or into the middle of an instruction, a constant index outside the constant
// vector, a frame slot at or above the frame size (from the ARGS at offset 0), a closure
// variable index beyond what its MKCLOS captures, a fused compare without its JNIL/JT,
// code falling off its end. CheckHeap walks every function in the heap (tests, the
// %CHECK-ALL-CODE tool). Allocates nothing; the instruction-start bitmap is on the stack.
using LispVm.Gc;

namespace LispVm.Eval;

public enum CodeFault : byte
{
    None, BadOpcode, Truncated, JumpOutside, JumpIntoInstruction, ConstIndex, SlotIndex,
    ClosureIndex, FusedWithoutBranch, FallsOffEnd, TooLong, NotAFunction, Placeholder
}

public static unsafe class CodeCheck
{
    /// <summary>Longest code vector checked (the peephole pass's limit too).</summary>
    public const int MaxLen = 1 << 16;

    static readonly string[] FaultNames = {
        "NONE", "BAD-OPCODE", "TRUNCATED", "JUMP-OUTSIDE", "JUMP-INTO-INSTRUCTION", "CONST-INDEX",
        "SLOT-INDEX", "CLOSURE-INDEX", "FUSED-WITHOUT-BRANCH", "FALLS-OFF-END", "TOO-LONG", "NOT-A-FUNCTION", "PLACEHOLDER" };
    public static string Name(CodeFault f) { return FaultNames[(int)f]; }

    static int U16(byte* c, int p) { return c[p] | (c[p + 1] << 8); }
    static int I32(byte* c, int p) { return c[p] | (c[p + 1] << 8) | (c[p + 2] << 16) | (c[p + 3] << 24); }

    static bool EndsFlow(int op)
    {
        Op o = (Op)op;
        return o == Op.Jmp || o == Op.Ret || o == Op.Ret1 || o == Op.TCallG || o == Op.TCall || o == Op.Throw || o == Op.TagDispatch;
    }

    static bool IsFusedCompare(int op)
    {
        Op o = (Op)op;
        return o == Op.LtJ || o == Op.GtJ || o == Op.LeJ || o == Op.GeJ || o == Op.NumEqJ || o == Op.EqJ || o == Op.EqlJ;
    }

    /// <summary>Checks code[0, len) against consts (a simple vector or NIL). nclosed: closure
    /// variables the function can see (-1 unknown). at: offset of the faulty instruction.</summary>
    public static CodeFault Check(byte* code, int len, ulong consts, int nclosed, out int at)
    {
        return Check(code, len, consts, nclosed, OpInfo.Len, false, out at);
    }

    /// <summary>Length of the instruction at p by the length table lens, or -1.</summary>
    static int LengthBy(byte[] lens, byte* code, int p, int len)
    {
        int n = lens[code[p]];
        if (n == 0)
        {
            if (code[p] != (byte)Op.TagDispatch || p + 1 >= len) return -1;
            n = 2 + 4 * code[p + 1];
        }
        return p + n <= len ? n : -1;
    }

    /// <summary>As Check, decoding with the given length table (256 entries, as OpInfo.Len):
    /// tests show that a wrong width is caught. optimised: the code went through the
    /// peephole pass, which drops every NOP and SKIP2 (so a zero byte decoded as a NOP,
    /// the usual sign of a width one too short, is a fault).</summary>
    public static CodeFault Check(byte* code, int len, ulong consts, int nclosed, byte[] lens, bool optimised, out int at)
    {
        at = 0;
        if (len > MaxLen) return CodeFault.TooLong;
        ulong* starts = stackalloc ulong[MaxLen / 64 + 1];
        int words = len / 64 + 1;
        for (int i = 0; i < words; i++) starts[i] = 0;
        int nconsts = W.IsObj(consts) ? M.Len(consts) : 0;
        int frame = len >= 6 && code[0] == (byte)Op.Args ? U16(code, 4) : -1;
        string[] table = OpInfo.Table;
        // Pass 1: lengths, non-jump operands, instruction starts.
        int p = 0, last = -1;
        while (p < len)
        {
            at = p;
            int op = code[p];
            if (op >= (int)Op.Count) return CodeFault.BadOpcode;
            if (optimised && (op == (int)Op.Nop || op == (int)Op.Skip2)) return CodeFault.Placeholder;
            int n = LengthBy(lens, code, p, len);
            if (n < 0) return CodeFault.Truncated;
            starts[p >> 6] |= 1UL << (p & 63);
            string f = table[op * 2 + 1];
            int q = p + 1;
            for (int i = 0; i < f.Length; i++)
            {
                char t = f[i];
                if (t == 'D' || q + OpInfo.Width(t) > p + n) break;   // (a wrong lens entry: stay inside)
                if (t == 's' && frame >= 0 && U16(code, q) >= frame) return CodeFault.SlotIndex;
                if (t == 'c' && nclosed >= 0 && U16(code, q) >= nclosed) return CodeFault.ClosureIndex;
                if (t == 'k' && U16(code, q) >= nconsts) return CodeFault.ConstIndex;
                q += OpInfo.Width(t);
            }
            if ((Op)op == Op.Keys && frame >= 0 && n >= 6)
            {
                ulong kv = M.Slot(consts, U16(code, p + 1));
                if (!M.Is(kv, ObjType.SimpleVector) || U16(code, p + 3) + M.Len(kv) >= frame) return CodeFault.SlotIndex;
            }
            if ((Op)op == Op.MkClos && n >= 4)
            {
                ulong inner = M.Slot(consts, U16(code, p + 1));
                if (!M.Is(inner, ObjType.Function)) return CodeFault.NotAFunction;
                if (ClosedCount(inner) > code[p + 3]) return CodeFault.ClosureIndex;
            }
            if (IsFusedCompare(op) && !(p + n < len && (code[p + n] == (byte)Op.JNil || code[p + n] == (byte)Op.JT)))
                return CodeFault.FusedWithoutBranch;
            last = op;
            p += n;
        }
        if (len > 0 && !EndsFlow(last)) { return CodeFault.FallsOffEnd; }
        // Pass 2: every code offset lands on an instruction start.
        for (p = 0; p < len; p += LengthBy(lens, code, p, len))
        {
            at = p;
            int op = code[p];
            int ja = OpInfo.JumpAt[op];
            int k = ja != 0 ? (ja + 4 <= LengthBy(lens, code, p, len) ? 1 : 0) : op == (byte)Op.TagDispatch ? code[p + 1] : 0;
            for (int j = 0; j < k; j++)
            {
                int t = I32(code, ja != 0 ? p + ja : p + 2 + 4 * j);
                if (t < 0 || t >= len) return CodeFault.JumpOutside;
                if ((starts[t >> 6] & (1UL << (t & 63))) == 0) return CodeFault.JumpIntoInstruction;
            }
        }
        at = 0;
        return CodeFault.None;
    }

    /// <summary>Closure variables a compiled function uses (1 + its highest closure index);
    /// 0 when it uses none or its code does not decode (Check reports that on its own).</summary>
    public static int ClosedCount(ulong fn)
    {
        ulong cv = M.Slot(fn, Fn.Code);
        if (!W.IsObj(cv)) return 0;
        byte* code = M.Raw(cv);
        int len = M.Len(cv), max = 0;
        string[] table = OpInfo.Table;
        for (int p = 0; p < len;)
        {
            int n = OpInfo.Length(code, p, len);
            if (n < 0 || code[p] >= (int)Op.Count) return 0;
            string f = table[code[p] * 2 + 1];
            int q = p + 1;
            for (int i = 0; i < f.Length && f[i] != 'D'; i++)
            {
                if (f[i] == 'c' && U16(code, q) + 1 > max) max = U16(code, q) + 1;
                q += OpInfo.Width(f[i]);
            }
            p += n;
        }
        return max;
    }

    /// <summary>Checks one function object (a Function, not a builtin).</summary>
    public static CodeFault CheckFunction(ulong fn, out int at) { return CheckFunction(fn, false, out at); }

    /// <summary>As CheckFunction; optimised: see Check.</summary>
    public static CodeFault CheckFunction(ulong fn, bool optimised, out int at)
    {
        at = 0;
        if (!M.Is(fn, ObjType.Function)) return CodeFault.NotAFunction;
        ulong cv = M.Slot(fn, Fn.Code);
        if (cv == W.Nil) return CodeFault.None;          // a builtin
        if (!M.Is(cv, ObjType.ByteVector)) return CodeFault.NotAFunction;
        return Check(M.Raw(cv), M.Len(cv), M.Slot(fn, Fn.Consts), -1, OpInfo.Len, optimised, out at);
    }

    /// <summary>Checks every compiled function in the heap. Returns how many were checked;
    /// bad = how many failed, firstBad / fault / at describe the first failure. Allocates
    /// nothing (the heap walk needs that).</summary>
    public static int CheckHeap(Heap heap, out int bad, out ulong firstBad, out CodeFault fault, out int at)
    {
        return CheckHeap(heap, false, out bad, out firstBad, out fault, out at);
    }

    /// <summary>As CheckHeap; optimised: every function went through the peephole pass.</summary>
    public static int CheckHeap(Heap heap, bool optimised, out int bad, out ulong firstBad, out CodeFault fault, out int at)
    {
        bad = 0; firstBad = W.Nil; fault = CodeFault.None; at = 0;
        int n = 0;
        ulong cursor = 0;
        for (ulong fn = heap.NextObject(ref cursor, ObjType.Function); fn != 0; fn = heap.NextObject(ref cursor, ObjType.Function))
        {
            if (M.Slot(fn, Fn.Code) == W.Nil) continue;
            n++;
            CodeFault f = CheckFunction(fn, optimised, out int a);
            if (f == CodeFault.None) continue;
            if (bad++ == 0) { firstBad = fn; fault = f; at = a; }
        }
        return n;
    }
}
