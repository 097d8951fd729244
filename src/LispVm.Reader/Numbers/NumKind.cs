// Why: one place that classifies a tagged word as a number kind and moves integers and
// floats between heap objects (Bignum limbs: 64-bit, little-endian, two's complement;
// boxed doubles; immediate singles) and Big registers, normalising to fixnums.
using LispVm.Gc;

namespace LispVm.Reader.Numbers
{
    public enum NumKind : byte { NotNumber = 0, Fixnum, Bignum, Ratio, Single, Double, Complex }

    public static unsafe class NumObj
    {
        public static NumKind Kind(ulong w)
        {
            if (W.IsFixnum(w)) return NumKind.Fixnum;
            if (W.IsSingle(w)) return NumKind.Single;
            if (!W.IsObj(w)) return NumKind.NotNumber;
            switch (W.HeaderType(*(ulong*)W.Addr(w)))
            {
                case ObjType.Bignum: return NumKind.Bignum;
                case ObjType.Ratio: return NumKind.Ratio;
                case ObjType.DoubleFloat: return NumKind.Double;
                case ObjType.Complex: return NumKind.Complex;
                default: return NumKind.NotNumber;
            }
        }

        public static bool IsInteger(NumKind k) => k == NumKind.Fixnum || k == NumKind.Bignum;
        public static bool IsRational(NumKind k) => k == NumKind.Fixnum || k == NumKind.Bignum || k == NumKind.Ratio;
        public static bool IsFloat(NumKind k) => k == NumKind.Single || k == NumKind.Double;

        public static ulong* Body(ulong w) => (ulong*)(W.Addr(w) + 8);
        public static uint Length(ulong w) => W.HeaderLength(*(ulong*)W.Addr(w));

        public static ulong Slot(ulong w, int i) => Body(w)[i];

        public static double DoubleValue(ulong w) { ulong b = Body(w)[0]; return *(double*)&b; }
        public static ulong DoubleBits(ulong w) => Body(w)[0];

        /// <summary>Loads a fixnum or bignum into r.</summary>
        public static void LoadInteger(ulong w, Big r)
        {
            if (W.IsFixnum(w)) { r.SetLong(W.FixVal(w)); return; }
            ulong* p = Body(w);
            int n = (int)Length(w);
            if (2 * n > r.Capacity) n = r.Capacity / 2;   // never produced by us; clamp rather than overrun
            bool neg = n > 0 && (long)p[n - 1] < 0;
            // copy two's complement limbs into 32-bit digits, negating if needed
            ulong carry = 1;
            for (int i = 0; i < n; i++)
            {
                ulong limb = p[i];
                if (neg)
                {
                    ulong inv = ~limb;
                    ulong s = inv + carry;
                    carry = (carry != 0 && s == 0) ? 1UL : 0UL;
                    limb = s;
                }
                r.D[2 * i] = (uint)limb; r.D[2 * i + 1] = (uint)(limb >> 32);
            }
            r.N = 2 * n; r.Neg = neg; r.Trim();
            if (neg && r.N != 0) r.Neg = true;
        }

        /// <summary>Stores r as an integer word: a fixnum when it fits, else a new Bignum.</summary>
        public static ulong StoreInteger(Heap heap, Big r)
        {
            if (r.TryGetLong(out long v) && W.FitsFixnum(v)) return W.Fix(v);
            // limbs: magnitude bits + a sign bit
            int bits = r.BitLength() + 1;
            int limbs = (bits + 63) / 64;
            ulong w = heap.AllocRaw(ObjType.Bignum, limbs);
            ulong* p = Body(w);
            ulong carry = 1;
            for (int i = 0; i < limbs; i++)
            {
                ulong lo = 2 * i < r.N ? r.D[2 * i] : 0u;
                ulong hi = 2 * i + 1 < r.N ? r.D[2 * i + 1] : 0u;
                ulong limb = lo | (hi << 32);
                if (r.Neg)
                {
                    ulong s = ~limb + carry;
                    carry = (carry != 0 && s == 0) ? 1UL : 0UL;
                    limb = s;
                }
                p[i] = limb;
            }
            return w;
        }

        public static ulong MakeDoubleBits(Heap heap, ulong bits)
        {
            ulong w = heap.AllocRaw(ObjType.DoubleFloat, 1);
            Body(w)[0] = bits;
            return w;
        }

        public static ulong MakeDouble(Heap heap, double d) => MakeDoubleBits(heap, *(ulong*)&d);

        /// <summary>New ratio object; num and den must already be normalised integers.</summary>
        public static ulong MakeRatioObject(Heap heap, ulong num, ulong den)
        {
            int mark = heap.RootMark();
            int a = heap.PushRoot(num); heap.PushRoot(den);
            ulong w = heap.AllocBoxed(ObjType.Ratio, 2);
            heap.SetSlot(w, 0, heap.Root(a));
            heap.SetSlot(w, 1, heap.Root(a + 1));
            heap.PopRoots(mark);
            return w;
        }
    }
}
