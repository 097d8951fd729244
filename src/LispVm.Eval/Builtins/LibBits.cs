// Why: BIT-AND ... BIT-NOT (lisp/48-hash-arrays.lisp) on simple bit vectors a word at a
// time; element by element in Lisp, cl-bench's bitvectors entry (2,100 operations on
// 1,000,000-bit vectors) took minutes. Bits are packed LSB first, so on a little-endian
// machine bit i is bit (i mod 64) of body word i/64. Bits past the length stay zero
// (EQUAL compares whole body words).
using LispVm.Gc;

namespace LispVm.Eval;

static unsafe partial class Lib
{
    /// <summary>(%bit-vector-op code a b r): R := A op B for simple bit vectors of one
    /// length; code 0..9 = and ior xor eqv nand nor andc1 andc2 orc1 orc2, 10 = not A.
    /// Returns R, or NIL when an argument is not such a vector (the caller loops).</summary>
    static ulong BitVectorOp(Vm vm, Args a)
    {
        if (!M.IsFix(a[0])) return W.Nil;
        long op = M.FixVal(a[0]);
        ulong x = a[1], y = a[2], r = a[3];
        if (op < 0 || op > 10) return W.Nil;
        if (!M.Is(x, ObjType.BitVector) || !M.Is(y, ObjType.BitVector) || !M.Is(r, ObjType.BitVector)) return W.Nil;
        int n = M.Len(x);
        if (M.Len(y) != n || M.Len(r) != n) return W.Nil;
        ulong* px = (ulong*)M.Raw(x), py = (ulong*)M.Raw(y), pr = (ulong*)M.Raw(r);
        int words = (n + 63) >> 6;
        for (int i = 0; i < words; i++)
        {
            ulong u = px[i], v = py[i], w;
            switch (op)
            {
                case 0: w = u & v; break;
                case 1: w = u | v; break;
                case 2: w = u ^ v; break;
                case 3: w = ~(u ^ v); break;
                case 4: w = ~(u & v); break;
                case 5: w = ~(u | v); break;
                case 6: w = ~u & v; break;
                case 7: w = u & ~v; break;
                case 8: w = ~u | v; break;
                case 9: w = u | ~v; break;
                default: w = ~u; break;
            }
            pr[i] = w;
        }
        if ((n & 63) != 0) pr[words - 1] &= (1UL << (n & 63)) - 1;
        return r;
    }
}
