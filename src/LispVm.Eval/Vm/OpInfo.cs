// Why: DISASSEMBLE's view of the instruction set (Vm/Op.cs): each opcode's name and operand
// layout, in opcode order. Operand letters: n u8, i i8, s u16 frame slot, u u16 number,
// k u16 constant index, a u32 code offset; D (TAGDISPATCH) a u8 count then that many
// offsets. A test walks every opcode and checks these widths against the peephole pass's
// InsnLen, so the two tables cannot drift apart unnoticed.
namespace LispVm.Eval;

public static class OpInfo
{
    /// <summary>Pairs (name, operand letters) indexed by opcode * 2.</summary>
    public static readonly string[] Table = {
        "NOP", "",   // Nop
        "ARGS", "nnns",   // Args
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
        "CLOSED", "s",   // Closed
        "CLOSEDC", "s",   // ClosedC
        "SETCLOSEDC", "s",   // SetClosedC
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
    };

    public static string Name(int op) { return op >= 0 && op < (int)Op.Count ? Table[op * 2] : null; }
    public static string Operands(int op) { return op >= 0 && op < (int)Op.Count ? Table[op * 2 + 1] : null; }

    /// <summary>Bytes an operand letter takes.</summary>
    public static int Width(char c)
    {
        switch (c)
        {
            case 'n': case 'i': return 1;
            case 's': case 'u': case 'k': return 2;
            case 'a': return 4;
            default: return 0;
        }
    }

    public static unsafe int Length(byte[] code, int p) { fixed (byte* c = code) return Length(c, p, code.Length); }

    /// <summary>Length of the instruction at code[p] (end = code length), or -1 when the
    /// opcode is unknown or the instruction runs past the end.</summary>
    public static unsafe int Length(byte* code, int p, int end)
    {
        if (p >= end) return -1;
        string f = Operands(code[p]);
        if (f == null) return -1;
        int n = 1;
        for (int i = 0; i < f.Length; i++)
        {
            if (f[i] == 'D')
            {
                if (p + 1 >= end) return -1;
                n += 1 + 4 * code[p + 1];
            }
            else n += Width(f[i]);
        }
        return p + n <= end ? n : -1;
    }
}
