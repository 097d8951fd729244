// A fixed byte buffer for engine-side messages (fallback errors before the Lisp printer
// is usable, REPL prompts). Allocated once; prints a few value kinds by hand with an
// explicit depth bound, never recursing on user data.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe class OutBuf
{
    public readonly byte[] Buf = new byte[8192];
    public int Len;

    public void Reset() { Len = 0; }
    public void Byte(int b) { if (Len < Buf.Length) Buf[Len++] = (byte)b; }
    public void Str(string s) { for (int i = 0; i < s.Length; i++) Byte(s[i] < 256 ? s[i] : '?'); }
    public void Long(long n)
    {
        if (n < 0) { Byte('-'); if (n == long.MinValue) { Str("9223372036854775808"); return; } n = -n; }
        byte* tmp = stackalloc byte[24]; int k = 0;
        do { tmp[k++] = (byte)('0' + n % 10); n /= 10; } while (n != 0);
        while (k > 0) Byte(tmp[--k]);
    }

    public void LispString(ulong s)
    {
        ObjType t = M.Type(s); int n = M.Len(s); byte* p = M.Raw(s);
        for (int i = 0; i < n; i++)
        {
            int c = t == ObjType.String8 ? p[i] : (int)((uint*)p)[i];
            Byte(c < 256 ? c : '?');
        }
    }

    /// <summary>Rough printing of one value (symbols, numbers, strings, lists to a bound).</summary>
    public void Value(Vm vm, ulong v)
    {
        int budget = 64;
        ValueBounded(vm, v, ref budget, 0);
    }

    void ValueBounded(Vm vm, ulong v, ref int budget, int depth)
    {
        if (--budget < 0 || depth > 8) { Str("..."); return; }
        if (M.IsFix(v)) { Long(M.FixVal(v)); return; }
        if (W.IsSymbol(v))
        {
            ulong o = vm.SymObj(v);
            if ((vm.SymFlags(v) & SymbolFlags.Keyword) != 0) Byte(':');
            LispString(M.Slot(o, Sy.Name)); return;
        }
        if (W.IsChar(v)) { Str("#\\"); Byte(W.CharCode(v) < 256 ? W.CharCode(v) : '?'); return; }
        if (W.IsCons(v))
        {
            Byte('(');
            bool first = true;
            while (W.IsCons(v))
            {
                if (!first) Byte(' ');
                first = false;
                ValueBounded(vm, M.Car(v), ref budget, depth + 1);
                if (budget < 0) break;
                v = M.Cdr(v);
            }
            if (v != W.Nil && !W.IsCons(v)) { Str(" . "); ValueBounded(vm, v, ref budget, depth + 1); }
            Byte(')'); return;
        }
        if (W.IsObj(v))
        {
            ObjType t = M.Type(v);
            if (t == ObjType.String8 || t == ObjType.String32) { Byte('"'); LispString(v); Byte('"'); return; }
            Str("#<object>"); return;
        }
        Str("#<immediate>");
    }
}
