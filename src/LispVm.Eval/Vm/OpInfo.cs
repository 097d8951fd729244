// Why: the one operand-layout table of the instruction set (Vm/Op.cs), as Lua's lopcodes.h:
// each opcode's name and operand letters, in opcode order. Everything that steps over
// instructions reads it: the peephole pass (Compiler/Peephole.cs), DISASSEMBLE
// (Builtins/CoreDebug.cs) and the bytecode checker (Vm/CodeCheck.cs). The lengths and the
// jump-operand positions are derived from the letters once (static byte tables indexed by
// opcode: no allocation after boot, one load per instruction). The VM's dispatch loop
// (Vm/VmRun.cs) does not consult it: each handler reads its own operands inline and steps
// ip by the same widths, which CodeCheckTests confirm by running the checked library.
// Operand letters: n u8, i i8, s u16 frame slot, c u16 closure variable index, u u16
// number, k u16 constant index, a u32 code offset; D (TAGDISPATCH) a u8 count then that
// many offsets.
namespace LispVm.Eval;

public static class OpInfo
{
    /// <summary>Pairs (name, operand letters) indexed by opcode * 2.</summary>
    public static readonly string[] Table = {
        "NOP", "",   // Nop
        "ARGS", "nnnu",   // Args
        "KEYS", "ksn",   // Keys
        "CONST", "k",   // Const
        "NIL", "",   // Nil
        "T", "",   // T
        "FIX8", "i",   // Fix8
        "LOCAL", "s",   // Local
        "LOCALC", "s",   // LocalC
        "SETL", "s",   // SetL
        "SETLC", "s",   // SetLC
        "BINDL", "s",   // BindL
        "BINDLC", "s",   // BindLC
        "CLOSED", "c",   // Closed
        "CLOSEDC", "c",   // ClosedC
        "SETCLOSEDC", "c",   // SetClosedC
        "FUNG", "k",   // FunG
        "GLOBAL", "k",   // Global
        "SETGLOBAL", "k",   // SetGlobal
        "POP", "",   // Pop
        "SLIDE", "u",   // Slide
        "DROP", "u",   // Drop
        "SKIP2", "s",   // Skip2
        "BOXL", "s",   // BoxL
        "DUP", "",   // Dup
        "JMP", "a",   // Jmp
        "JNIL", "a",   // JNil
        "JT", "a",   // JT
        "JBOUND", "sa",   // JBound
        "BOUNDP", "s",   // BoundP
        "CALLG", "kn",   // CallG
        "TCALLG", "kn",   // TCallG
        "CALL", "n",   // Call
        "TCALL", "n",   // TCall
        "RET", "",   // Ret
        "RET1", "",   // Ret1
        "SET1", "",   // Set1
        "MKCLOS", "kn",   // MkClos
        "VALUES", "n",   // Values
        "MVACC", "",   // MvAcc
        "MVCALLN", "",   // MvCallN
        "MVSAVE", "",   // MvSave
        "MVRESTORE", "",   // MvRestore
        "BIND", "k",   // Bind
        "UNBIND", "n",   // Unbind
        "PROGV", "",   // Progv
        "UNBINDV", "",   // UnbindV
        "CATCH", "a",   // Catch
        "BLOCKE", "na",   // BlockE
        "ENDCATCH", "",   // EndCatch
        "THROW", "n",   // Throw
        "TAGDISPATCH", "D",   // TagDispatch
        "UWP", "a",   // Uwp
        "UWNORMAL", "",   // UwNormal
        "UWEND", "",   // UwEnd
        "CAR", "",   // Car
        "CDR", "",   // Cdr
        "CONS", "",   // Cons
        "EQ", "",   // Eq
        "NOT", "",   // Not
        "ADD", "",   // Add
        "SUB", "",   // Sub
        "LT", "",   // Lt
        "GT", "",   // Gt
        "LE", "",   // Le
        "GE", "",   // Ge
        "NUMEQ", "",   // NumEq
        "ADD1", "",   // Add1
        "SUB1", "",   // Sub1
        "SVREF", "k",   // Svref
        "AREF", "k",   // Aref
        "SVSET", "k",   // SvSet
        "ASET", "k",   // ASet
        "AREF2", "k",   // Aref2
        "ASET2", "k",   // ASet2
        "LOCAL2", "ss",   // Local2
        "MOVL", "ss",   // MovL
        "POPLOCAL", "s",   // PopLocal
        "LOCALFIX8", "si",   // LocalFix8
        "CARTOL", "ss",   // CarToL
        "CDRTOL", "ss",   // CdrToL
        "LOCALCAR", "s",   // LocalCar
        "LOCALCDR", "s",   // LocalCdr
        "JNILL", "sa",   // JNilL
        "JTL", "sa",   // JTL
        "LTJ", "",   // LtJ
        "GTJ", "",   // GtJ
        "LEJ", "",   // LeJ
        "GEJ", "",   // GeJ
        "NUMEQJ", "",   // NumEqJ
        "EQJ", "",   // EqJ
        "SREF", "kku",   // SRef
        "JTK", "a",   // JTK
        "EQL", "k",   // Eql
        "EQLJ", "k",   // EqlJ
        "SSETK", "kkku",   // SSetK
        "MUL", "",   // Mul
        "LOCALSREF", "skku",   // LocalSRef
        "SSET", "k",   // SSet
        "AREF3", "k",   // Aref3
        "ASET3", "k",   // ASet3
        "CONSP", "",   // Consp
        "ATOM", "",   // Atom
        "JCONSL", "sa",   // JConsL
        "JATOML", "sa",   // JAtomL
        "LOGAND", "k",   // LogAnd
        "LOGIOR", "k",   // LogIor
        "LOGXOR", "k",   // LogXor
        "ZEROP", "k",   // ZeroP
    };

    public static string Name(int op) { return op >= 0 && op < (int)Op.Count ? Table[op * 2] : null; }
    public static string Operands(int op) { return op >= 0 && op < (int)Op.Count ? Table[op * 2 + 1] : null; }

    /// <summary>Bytes an operand letter takes (D: its count byte; the offsets follow).</summary>
    public static int Width(char c)
    {
        switch (c)
        {
            case 'n': case 'i': case 'D': return 1;
            case 's': case 'c': case 'u': case 'k': return 2;
            case 'a': return 4;
            default: return 0;
        }
    }

    /// <summary>Instruction length (opcode + operands) by opcode; 0 for an unknown opcode
    /// and for TAGDISPATCH, whose length is 2 + 4 * its count byte. 256 entries, so any
    /// byte indexes it.</summary>
    public static readonly byte[] Len = ByOpcode('D', false);
    /// <summary>Position of the code-offset operand ('a') inside the instruction, by opcode;
    /// 0 when there is none (TAGDISPATCH's offsets start at 2, one per count).</summary>
    public static readonly byte[] JumpAt = ByOpcode('a', true);

    // Per opcode, from its operand letters: the offset of the first operand `stop` when there
    // is one (0 when absent if atStop), else the whole length (0 when `stop` is present).
    static byte[] ByOpcode(char stop, bool atStop)
    {
        byte[] r = new byte[256];
        for (int op = 0; op < (int)Op.Count; op++)
        {
            string f = Table[op * 2 + 1];
            int n = 1;
            bool found = false;
            for (int i = 0; i < f.Length && !found; i++)
            {
                if (f[i] == stop) found = true;
                else n += Width(f[i]);
            }
            r[op] = (byte)(found == atStop ? n : 0);
        }
        return r;
    }

    public static int Length(byte[] code, int p) { return Length(code, p, code.Length); }

    /// <summary>Length of the instruction at code[p] (end = code length), or -1 when the
    /// opcode is unknown or the instruction runs past the end.</summary>
    public static int Length(byte[] code, int p, int end)
    {
        if (p >= end) return -1;
        int n = Len[code[p]];
        if (n == 0)
        {
            if (code[p] != (byte)Op.TagDispatch || p + 1 >= end) return -1;
            n = 2 + 4 * code[p + 1];
        }
        return p + n <= end ? n : -1;
    }

    /// <summary>As Length, over raw code (a heap byte vector).</summary>
    public static unsafe int Length(byte* code, int p, int end)
    {
        if (p >= end) return -1;
        int n = Len[code[p]];
        if (n == 0)
        {
            if (code[p] != (byte)Op.TagDispatch || p + 1 >= end) return -1;
            n = 2 + 4 * code[p + 1];
        }
        return p + n <= end ? n : -1;
    }

    /// <summary>Writes the positions of the code-offset operands of the instruction at p
    /// (a valid instruction) to outOffs; returns how many (TAGDISPATCH: up to 255).</summary>
    public static unsafe int JumpOperands(byte[] code, int p, int* outOffs) { return JumpOperands(JumpAt, code, p, outOffs); }

    /// <summary>As JumpOperands, with JumpAt loaded by the caller (the peephole pass's loops).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static unsafe int JumpOperands(byte[] jumpAt, byte[] code, int p, int* outOffs)
    {
        int op = code[p];
        int at = jumpAt[op];
        if (at != 0) { outOffs[0] = p + at; return 1; }
        if (op != (byte)Op.TagDispatch) return 0;
        int k = code[p + 1];
        for (int i = 0; i < k; i++) outOffs[i] = p + 2 + 4 * i;
        return k;
    }
}
