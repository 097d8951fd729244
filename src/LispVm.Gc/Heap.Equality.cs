// eql / equal / equalp for hash tables and builtins. No C# recursion: equal/equalp walk
// with an explicit stack (the idle mark stack; no GC can run because nothing here
// allocates). The matching hashes are in Heap.Hashing.cs.
namespace LispVm.Gc
{
    public sealed unsafe partial class Heap
    {
        internal const ulong HashSeed = 0xcbf29ce484222325UL;
        internal const ulong HashMask = (1UL << 60) - 1;
        internal static ulong HashStep(ulong h, uint c) { return (h ^ c) * 0x100000001b3UL; }

        static ulong Mix(ulong x)
        {
            x ^= x >> 33; x *= 0xff51afd7ed558ccdUL;
            x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53UL;
            x ^= x >> 33;
            return x & HashMask;
        }

        /// <summary>Hash of a Lisp string's code points (same as interning uses).</summary>
        public ulong StringHash(ulong s) { NameKey k = NameKey.OfLisp(s); return k.Hash(); }

        static bool IsNumberType(byte t)
        {
            return t == (byte)ObjType.Bignum || t == (byte)ObjType.DoubleFloat
                || t == (byte)ObjType.Ratio || t == (byte)ObjType.Complex;
        }

        byte ObjTypeByte(ulong w) { return (byte)(*(ulong*)(w & ~7UL) >> 8); }

        // ------------------------------------------------------------------ eql

        public bool Eql(ulong a, ulong b)
        {
            if (a == b) return true;
            if ((a & 7) != W.TagObj || (b & 7) != W.TagObj) return false;
            ulong ha = Header(a), hb = Header(b);
            if (ha != hb) return false;      // same type and length (and flags)
            byte t = (byte)(ha >> 8);
            if (t == (byte)ObjType.DoubleFloat || t == (byte)ObjType.Bignum)
                return RawBodyEqual(a, b, ObjTypes.BodyWords(ha));
            if (t == (byte)ObjType.Ratio || t == (byte)ObjType.Complex)
            {
                for (int i = 0; i < 2 && i < (int)(ha >> 32); i++)
                    if (!EqlShallow(Slot(a, i), Slot(b, i))) return false;
                return true;
            }
            return false;
        }

        // eql for the parts of a ratio/complex: fixnums, floats, bignums, ratios (one level).
        bool EqlShallow(ulong a, ulong b)
        {
            if (a == b) return true;
            if ((a & 7) != W.TagObj || (b & 7) != W.TagObj) return false;
            ulong ha = Header(a);
            if (ha != Header(b)) return false;
            byte t = (byte)(ha >> 8);
            if (t == (byte)ObjType.DoubleFloat || t == (byte)ObjType.Bignum)
                return RawBodyEqual(a, b, ObjTypes.BodyWords(ha));
            if (t == (byte)ObjType.Ratio)
            {
                for (int i = 0; i < 2; i++)
                {
                    ulong x = Slot(a, i), y = Slot(b, i);
                    if (x == y) continue;
                    if ((x & 7) != W.TagObj || (y & 7) != W.TagObj || Header(x) != Header(y)) return false;
                    if (!RawBodyEqual(x, y, ObjTypes.BodyWords(Header(x)))) return false;
                }
                return true;
            }
            return false;
        }

        bool RawBodyEqual(ulong a, ulong b, ulong words)
        {
            ulong* p = (ulong*)((a & ~7UL) + 8), q = (ulong*)((b & ~7UL) + 8);
            for (ulong i = 0; i < words; i++) if (p[i] != q[i]) return false;
            return true;
        }

        // ------------------------------------------------------------------ equal / equalp

        public bool Equal(ulong a, ulong b) { return DeepEqual(a, b, false); }
        public bool Equalp(ulong a, ulong b) { return DeepEqual(a, b, true); }

        /// <summary>Set when the last Equal/Equalp ran out of work stack: its false is then
        /// "too deep to compare", and EQUAL/EQUALP signal storage-condition.</summary>
        public bool EqualExhausted;

        /// <summary>Frames of 3 words on the mark stack: (x, y, index). index = ~0 means
        /// "compare x and y"; otherwise x and y are vectors/instances compared from index on.
        /// Car-nested chains with atom cdrs need no stack; the stack grows (GrowWorkStack) up to
        /// its 16 MiB reservation, about 700,000 levels of trees branching in car and cdr;
        /// structure deeper than that compares false with EqualExhausted set.</summary>
        bool DeepEqual(ulong a, ulong b, bool p)
        {
            EqualExhausted = false;
            if (inGc) return false;
            ulong* st = markStack;
            ulong cap = markStackCap - 6, sp = 0;
            st[0] = a; st[1] = b; st[2] = ~0UL; sp = 3;
            while (sp > 0)
            {
                sp -= 3;
                ulong x = st[sp], y = st[sp + 1], idx = st[sp + 2];
                if (idx != ~0UL)
                {
                    ulong n = Header(x) >> 32;
                    if (idx >= n) continue;
                    if (sp + 6 > cap && !Grow(ref cap)) return false;
                    st[sp + 2] = idx + 1; sp += 3;              // continue this vector later
                    st[sp] = Slot(x, (int)idx); st[sp + 1] = Slot(y, (int)idx); st[sp + 2] = ~0UL; sp += 3;
                    continue;
                }
                while (true)
                {
                    if (x == y) break;
                    if ((x & 7) == W.TagCons)
                    {
                        if ((y & 7) != W.TagCons) return false;
                        ulong dx = Cdr(x), dy = Cdr(y);
                        if (dx != dy)
                        {
                            // Atom cdrs are compared now, so car-nested chains use no stack.
                            if ((dx & 7) == W.TagCons || (dy & 7) == W.TagCons)
                            {
                                if (sp + 3 > cap && !Grow(ref cap)) return false;
                                st[sp] = dx; st[sp + 1] = dy; st[sp + 2] = ~0UL; sp += 3;
                            }
                            else if (!AtomEqual(dx, dy, p, st, ref sp, cap)) return false;
                        }
                        x = Car(x); y = Car(y);
                        continue;
                    }
                    if (!AtomEqual(x, y, p, st, ref sp, cap)) return false;
                    break;
                }
            }
            return true;
        }

        /// <summary>More work stack (same base address: it grows in place in its reservation).</summary>
        bool Grow(ref ulong cap)
        {
            if (!GrowWorkStack()) { EqualExhausted = true; return false; }
            cap = markStackCap - 6;
            return true;
        }

        /// <summary>Compares two non-cons values; for equalp vectors/instances pushes an
        /// element frame instead (false if the stack is full).</summary>
        bool AtomEqual(ulong x, ulong y, bool p, ulong* st, ref ulong sp, ulong cap)
        {
            if (!p)
            {
                if (EqualAtom(x, y)) return true;
                if (!PathnamePair(x, y)) return false;
                // Pathnames are EQUAL by components: compare the slots after the layout.
                if (sp + 3 > cap && !Grow(ref cap)) return false;
                st[sp] = x; st[sp + 1] = y; st[sp + 2] = 1; sp += 3;
                return true;
            }
            int r = EqualpAtom(x, y);
            if (r == 0) return false;
            if (r == 2)
            {
                if (sp + 3 > cap && !Grow(ref cap)) return false;
                st[sp] = x; st[sp + 1] = y; st[sp + 2] = 0; sp += 3;
            }
            return true;
        }

        bool EqualAtom(ulong x, ulong y)
        {
            if (Eql(x, y)) return true;
            if ((x & 7) != W.TagObj || (y & 7) != W.TagObj) return false;
            byte tx = ObjTypeByte(x), ty = ObjTypeByte(y);
            if (IsStringType(tx) && IsStringType(ty)) return StringsEqual(x, y, false);
            if (tx == (byte)ObjType.BitVector && ty == tx)
                return Header(x) == Header(y) && RawBodyEqual(x, y, ObjTypes.BodyWords(Header(x)));
            return false;
        }

        /// <summary>Two structure instances of the same pathname layout: the library's
        /// defstruct layout #(%STRUCT-LAYOUT PATHNAME|LOGICAL-PATHNAME ...) (75-pathnames.lisp).
        /// EQUAL compares pathnames by their components (CLHS EQUAL); other structures by
        /// identity.</summary>
        bool PathnamePair(ulong x, ulong y)
        {
            if ((x & 7) != W.TagObj || (y & 7) != W.TagObj) return false;
            if (ObjTypeByte(x) != (byte)ObjType.Instance || ObjTypeByte(y) != (byte)ObjType.Instance) return false;
            ulong l = Slot(x, 0);
            if (l != Slot(y, 0) || Length(x) != Length(y)) return false;
            if ((l & 7) != W.TagObj || ObjTypeByte(l) != (byte)ObjType.SimpleVector || Length(l) != 6) return false;
            ulong name = Slot(l, 1);
            if ((name & 7) != W.TagSymbol) return false;
            ulong str = SymbolName(name);
            return StringEquals(str, "PATHNAME") || StringEquals(str, "LOGICAL-PATHNAME");
        }

        static bool IsStringType(byte t) { return t == (byte)ObjType.String8 || t == (byte)ObjType.String32; }

        /// <summary>0 = not equalp, 1 = equalp, 2 = same-shaped vectors/instances: compare elements.</summary>
        int EqualpAtom(ulong x, ulong y)
        {
            if (W.IsChar(x) && W.IsChar(y)) return CharUpcase(W.CharCode(x)) == CharUpcase(W.CharCode(y)) ? 1 : 0;
            if (IsNumber(x) && IsNumber(y)) return NumEqual(x, y) ? 1 : 0;
            if ((x & 7) != W.TagObj || (y & 7) != W.TagObj) return 0;
            byte tx = ObjTypeByte(x), ty = ObjTypeByte(y);
            if (IsStringType(tx) && IsStringType(ty)) return StringsEqual(x, y, true) ? 1 : 0;
            if (Length(x) != Length(y)) return 0;
            if (tx == (byte)ObjType.ByteVector || ty == (byte)ObjType.ByteVector) return OctetsEqualp(x, tx, y, ty) ? 1 : 0;
            if (tx != ty) return 0;
            if (tx == (byte)ObjType.BitVector) return RawBodyEqual(x, y, ObjTypes.BodyWords(Header(x))) ? 1 : 0;
            if (tx == (byte)ObjType.SimpleVector || tx == (byte)ObjType.Instance) return 2;
            return 0;
        }

        /// <summary>A (unsigned-byte 8) vector against one of the same length: equal
        /// octets, or a simple vector holding the same fixnums.</summary>
        bool OctetsEqualp(ulong x, byte tx, ulong y, byte ty)
        {
            if (tx != (byte)ObjType.ByteVector) { ulong t = x; x = y; y = t; byte b = tx; tx = ty; ty = b; }
            byte* p = (byte*)((x & ~7UL) + 8);
            int n = Length(x);
            if (ty == (byte)ObjType.ByteVector)
            {
                byte* q = (byte*)((y & ~7UL) + 8);
                for (int i = 0; i < n; i++) if (p[i] != q[i]) return false;
                return true;
            }
            if (ty != (byte)ObjType.SimpleVector) return false;
            for (int i = 0; i < n; i++)
            {
                ulong e = Slot(y, i), f = W.Fix(p[i]);
                if (e != f && !(IsNumber(e) && NumEqual(e, f))) return false;
            }
            return true;
        }

        public static int CharUpcase(int c)
        {
            if (c >= 'a' && c <= 'z') return c - 32;
            if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
            return c;
        }

        bool StringsEqual(ulong x, ulong y, bool fold)
        {
            int n = Length(x);
            if (n != Length(y)) return false;
            for (int i = 0; i < n; i++)
            {
                int a = StringChar(x, i), b = StringChar(y, i);
                if (a != b && (!fold || CharUpcase(a) != CharUpcase(b))) return false;
            }
            return true;
        }

        /// <summary>Any Lisp number: fixnum, single float, or a number object.</summary>
        public bool IsNumber(ulong x)
        {
            if (W.IsFixnum(x) || W.IsSingle(x)) return true;
            return (x & 7) == W.TagObj && IsNumberType(ObjTypeByte(x));
        }

        // Numeric = for equalp: exact for rationals (canonical, so eql), via double otherwise.
        bool NumEqual(ulong x, ulong y)
        {
            if (Eql(x, y)) return true;
            bool cx = (x & 7) == W.TagObj && ObjTypeByte(x) == (byte)ObjType.Complex;
            bool cy = (y & 7) == W.TagObj && ObjTypeByte(y) == (byte)ObjType.Complex;
            if (cx || cy)
            {
                ulong xr = cx ? Slot(x, 0) : x, xi = cx ? Slot(x, 1) : W.Fix(0);
                ulong yr = cy ? Slot(y, 0) : y, yi = cy ? Slot(y, 1) : W.Fix(0);
                return RealEqual(xr, yr) && RealEqual(xi, yi);
            }
            return RealEqual(x, y);
        }

        bool RealEqual(ulong x, ulong y)
        {
            if (Eql(x, y)) return true;
            if (!IsFloat(x) && !IsFloat(y)) return false;   // distinct canonical rationals
            return ToDouble(x) == ToDouble(y);
        }

        bool IsFloat(ulong x) { return W.IsSingle(x) || ((x & 7) == W.TagObj && ObjTypeByte(x) == (byte)ObjType.DoubleFloat); }

        /// <summary>Approximate double value of a real (fixnum, float, bignum, ratio).</summary>
        public double ToDouble(ulong x)
        {
            if (W.IsFixnum(x)) return (double)W.FixVal(x);
            if (W.IsSingle(x)) return (double)W.SingleValue(x);
            if ((x & 7) != W.TagObj) return 0;
            byte t = ObjTypeByte(x);
            if (t == (byte)ObjType.DoubleFloat) return DoubleValue(x);
            if (t == (byte)ObjType.Bignum) return BignumToDouble(x);
            if (t == (byte)ObjType.Ratio) return ToDoubleInt(Slot(x, 0)) / ToDoubleInt(Slot(x, 1));
            return 0;
        }

        double ToDoubleInt(ulong x) { return W.IsFixnum(x) ? (double)W.FixVal(x) : BignumToDouble(x); }

        double BignumToDouble(ulong x)
        {
            int n = Length(x);
            ulong* l = (ulong*)RawData(x);
            bool neg = n > 0 && (long)l[n - 1] < 0;
            double r = 0, scale = 1;
            ulong borrow = 1;   // two's complement negate on the fly when negative
            for (int i = 0; i < n; i++)
            {
                ulong limb = l[i];
                if (neg) { limb = ~limb + borrow; borrow = (borrow == 1 && limb == 0) ? 1UL : 0UL; }
                r += (double)limb * scale;
                scale *= 18446744073709551616.0;
            }
            return neg ? -r : r;
        }
    }
}
