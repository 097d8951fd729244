// Hashes for heap hash tables and CL sxhash, consistent with eql/equal/equalp in
// Heap.Equality.cs. Content hashes visit a bounded number of nodes (no recursion on data
// depth); identity-compared objects hash by address only at the top of a key, and the
// table then rehashes lazily after collections (Heap.HashTables.cs).
namespace LispVm.Gc
{
    public sealed unsafe partial class Heap
    {
        /// <summary>Stable equal-hash (CL sxhash): never depends on addresses.</summary>
        public ulong Sxhash(ulong x) { bool addr; return KeyHash(x, HashTest.Equal, false, out addr); }

        /// <summary>Hash of a key under a table test. When `top` is true an identity-compared
        /// object hashes by address and `addr` is set (the table must rehash after GCs).</summary>
        internal ulong KeyHash(ulong x, HashTest test, bool top, out bool addr)
        {
            addr = false;
            ulong tag = x & 7;
            if (tag == W.TagSymbol || x == W.Nil) return SymbolHashOf(x);
            if (tag != W.TagCons && tag != W.TagObj)
            {
                if (test == HashTest.Equalp)
                {
                    if (W.IsChar(x)) return Mix(W.MakeChar(CharUpcase(W.CharCode(x))));
                    if (W.IsFixnum(x) || W.IsSingle(x)) return EqualpNumberHash(x);
                }
                return Mix(x);
            }
            if (test == HashTest.Eq)
            {
                if (top) { addr = true; return Mix(x); }
                return (ulong)tag * 0x9E3779B97F4A7C15UL & HashMask;
            }
            if (tag == W.TagObj)
            {
                byte t = ObjTypeByte(x);
                if (IsNumberType(t)) return test == HashTest.Equalp ? EqualpNumberHash(x) : NumberHash(x);
                if (test != HashTest.Eql)
                {
                    if (IsStringType(t)) return StringKeyHash(x, test == HashTest.Equalp);
                    if (t == (byte)ObjType.BitVector) return RawHash(x);
                    if (test == HashTest.Equalp && (t == (byte)ObjType.SimpleVector || t == (byte)ObjType.Instance || t == (byte)ObjType.ByteVector))
                        return BoundedHash(x, test);
                }
                if (top) { addr = true; return Mix(x); }
                return Mix((ulong)t + 0x100);
            }
            // cons
            if (test == HashTest.Eql) { if (top) { addr = true; return Mix(x); } return Mix(1); }
            return BoundedHash(x, test);
        }

        ulong SymbolHashOf(ulong s) { return (ulong)W.FixVal(Slot(SymObj(s), SymHashSlot)) & HashMask; }

        ulong NumberHash(ulong x)
        {
            ulong h = Header(x);
            byte t = (byte)(h >> 8);
            if (t == (byte)ObjType.Ratio || t == (byte)ObjType.Complex)
            {
                ulong r = HashSeed;
                for (int i = 0; i < 2 && i < (int)(h >> 32); i++)
                {
                    ulong part = Slot(x, i);
                    // a complex's part may be a ratio: hash it by its parts, never by address
                    ulong ph = (part & 7) != W.TagObj ? Mix(part) : ObjTypeByte(part) == (byte)ObjType.Ratio ? NumberHash(part) : RawHash(part);
                    r = HashStep(r, (uint)ph);
                }
                return Mix(r);
            }
            return RawHash(x);
        }

        ulong RawHash(ulong x)
        {
            ulong h = Header(x);
            ulong words = ObjTypes.BodyWords(h);
            if (words > 64) words = 64;
            ulong r = HashSeed ^ (h >> 32);
            ulong* p = (ulong*)RawData(x);
            for (ulong i = 0; i < words; i++) r = Mix(r ^ p[i]);
            return r;
        }

        // Numbers that are = must hash alike: integral values by value, the rest by class.
        ulong EqualpNumberHash(ulong x)
        {
            if (W.IsFixnum(x)) return Mix(x);
            if ((x & 7) == W.TagObj)
            {
                byte t = ObjTypeByte(x);
                if (t == (byte)ObjType.Bignum) return 0x5151;
                if (t == (byte)ObjType.Ratio) return 0x5252;
                if (t == (byte)ObjType.Complex)
                {
                    // #C(2.0 0.0) is equalp to 2: a zero imaginary part hashes as the real part
                    ulong im = Slot(x, 1);
                    if (!IsFloat(im) || ToDouble(im) != 0) return 0x5353;
                    return EqualpNumberHash(Slot(x, 0));
                }
            }
            double d = ToDouble(x);
            if (d >= -2305843009213693952.0 && d < 2305843009213693952.0)
            {
                long n = (long)d;
                if ((double)n == d) return Mix(W.Fix(n));
                return 0x5252;
            }
            if (d - d == 0) return 0x5151;   // finite integral beyond fixnum range (like a bignum)
            return 0x5454;
        }

        ulong StringKeyHash(ulong s, bool fold)
        {
            int n = Length(s);
            ulong h = HashSeed;
            for (int i = 0; i < n; i++)
            {
                int c = StringChar(s, i);
                h = HashStep(h, (uint)(fold ? CharUpcase(c) : c));
            }
            return h & HashMask;
        }

        /// <summary>Content hash of conses/vectors visiting at most 32 nodes breadth-first
        /// from a 16-entry queue; nested identity objects contribute only their type.</summary>
        ulong BoundedHash(ulong x, HashTest test)
        {
            ulong* q = stackalloc ulong[16];
            int head = 0, tail = 0, budget = 32;
            ulong h = HashSeed;
            q[tail++ & 15] = x;
            while (head < tail && budget-- > 0)
            {
                ulong v = q[head++ & 15];
                if ((v & 7) == W.TagCons)
                {
                    h = HashStep(h, 0xC0);
                    if (tail - head < 15) q[tail++ & 15] = Car(v);
                    if (tail - head < 15) q[tail++ & 15] = Cdr(v);
                    continue;
                }
                if ((v & 7) == W.TagObj)
                {
                    byte t = ObjTypeByte(v);
                    if (test == HashTest.Equalp && (t == (byte)ObjType.SimpleVector || t == (byte)ObjType.Instance))
                    {
                        int n = Length(v);
                        h = HashStep(h, (uint)n);
                        for (int i = 0; i < n && tail - head < 15; i++) q[tail++ & 15] = Slot(v, i);
                        continue;
                    }
                    if (test == HashTest.Equalp && t == (byte)ObjType.ByteVector)
                    {
                        // as the simple vector of the same fixnums (EQUALP to it)
                        int n = Length(v);
                        byte* b = (byte*)((v & ~7UL) + 8);
                        h = HashStep(h, (uint)n);
                        for (int i = 0; i < n && tail - head < 15; i++) q[tail++ & 15] = W.Fix(b[i]);
                        continue;
                    }
                }
                bool a;
                h = HashStep(h, (uint)KeyHash(v, test, false, out a));
            }
            return Mix(h);
        }
    }
}
