// Why: the generic arithmetic entry points the VM calls for + - * / compare etc., with
// CL contagion (rational op float -> float, single op double -> double, real op complex
// -> complex: NumComplex.cs), exact ratio normalisation and fixnum fast paths. Every entry returns a NumStatus and the result in
// an out word; nothing throws. One instance per heap owns all scratch registers.
using LispVm.Gc;

namespace LispVm.Reader.Numbers
{
    public enum RoundMode : byte { Truncate, Floor, Ceiling, Round }

    public sealed unsafe partial class Num
    {
        public readonly Heap Heap;
        public readonly BigArith Ar;
        public readonly FloatConv Conv;
        public readonly FloatPrint Print;
        readonly Big an, ad, bn, bd, x, y, z, q, r;

        public Num(Heap heap, int maxDigits = 8192)
        {
            Heap = heap;
            Ar = new BigArith(maxDigits);
            Conv = new FloatConv(Ar);
            Print = new FloatPrint(Ar, Conv);
            an = Ar.NewRegister(); ad = Ar.NewRegister(); bn = Ar.NewRegister(); bd = Ar.NewRegister();
            x = Ar.NewRegister(); y = Ar.NewRegister(); z = Ar.NewRegister();
            q = Ar.NewRegister(); r = Ar.NewRegister();
        }

        public IInterruptPoll Poll { get => Ar.Poll; set => Ar.Poll = value; }

        // ------------------------------------------------------------ loading helpers

        /// <summary>Loads a rational into (num, den), den > 0.</summary>
        void LoadRational(ulong w, NumKind k, Big num, Big den)
        {
            if (k == NumKind.Ratio)
            {
                NumObj.LoadInteger(NumObj.Slot(w, 0), num);
                NumObj.LoadInteger(NumObj.Slot(w, 1), den);
            }
            else { NumObj.LoadInteger(w, num); den.SetLong(1); }
        }

        /// <summary>Correctly rounded double of any real; FloatOverflow if out of range.</summary>
        public NumStatus ToDouble(ulong w, out double d)
        {
            d = 0;
            NumKind k = NumObj.Kind(w);
            switch (k)
            {
                case NumKind.Fixnum: d = (double)W.FixVal(w); return NumStatus.Ok;   // IEEE conversion rounds to nearest
                case NumKind.Single: d = (double)W.SingleValue(w); return NumStatus.Ok;
                case NumKind.Double: d = NumObj.DoubleValue(w); return NumStatus.Ok;
                case NumKind.Bignum:
                case NumKind.Ratio:
                    {
                        LoadRational(w, k, x, y);
                        NumStatus st = Conv.RatioToIeee(x, y, IeeeFormat.Double, out ulong bits);
                        d = MathFns.FromBits(bits);
                        return st;
                    }
                default: return NumStatus.NotANumber;
            }
        }

        /// <summary>Correctly rounded single of any real.</summary>
        public NumStatus ToSingle(ulong w, out float f)
        {
            f = 0;
            NumKind k = NumObj.Kind(w);
            switch (k)
            {
                case NumKind.Single: f = W.SingleValue(w); return NumStatus.Ok;
                case NumKind.Double:
                    {
                        double d = NumObj.DoubleValue(w);
                        f = (float)d;
                        return (f - f != 0 && d - d == 0) ? NumStatus.FloatOverflow : NumStatus.Ok;
                    }
                case NumKind.Fixnum: case NumKind.Bignum: case NumKind.Ratio:
                    {
                        LoadRational(w, k, x, y);
                        NumStatus st = Conv.RatioToIeee(x, y, IeeeFormat.Single, out ulong bits);
                        uint b = (uint)bits; f = *(float*)&b;
                        return st;
                    }
                default: return NumStatus.NotANumber;
            }
        }

        public ulong MakeSingle(float f) => W.MakeSingle(f);
        public ulong MakeDouble(double d) => NumObj.MakeDouble(Heap, d);

        static bool Finite(double d) => d - d == 0;

        NumStatus FloatResult(double d, bool dbl, out ulong res)
        {
            if (dbl)
            {
                res = NumObj.MakeDouble(Heap, d);
                return Finite(d) ? NumStatus.Ok : NumStatus.FloatOverflow;
            }
            float f = (float)d;
            res = W.MakeSingle(f);
            return f - f == 0 ? NumStatus.Ok : NumStatus.FloatOverflow;
        }

        /// <summary>Builds num/den (any signs, den != 0) normalised: integer if den divides num.</summary>
        NumStatus MakeRational(Big num, Big den, out ulong res)
        {
            res = W.Nil;
            if (den.IsZero) return NumStatus.DivisionByZero;
            if (den.Neg) { den.Neg = false; num.Neg = !num.Neg && num.N != 0; }
            NumStatus st = Ar.Gcd(num, den, z);
            if (st != NumStatus.Ok) return st;
            if (!(z.N == 1 && z.D[0] == 1))
            {
                st = Ar.Truncate(num, z, q, r); if (st != NumStatus.Ok) return st;
                num.CopyFrom(q);
                st = Ar.Truncate(den, z, q, r); if (st != NumStatus.Ok) return st;
                den.CopyFrom(q);
            }
            return StoreRational(num, den, out res);
        }

        /// <summary>num/den as a Lisp rational; den > 0 and coprime to num already.</summary>
        NumStatus StoreRational(Big num, Big den, out ulong res)
        {
            if (den.N == 1 && den.D[0] == 1) { res = NumObj.StoreInteger(Heap, num); return NumStatus.Ok; }
            ulong nw = NumObj.StoreInteger(Heap, num);
            int mark = Heap.RootMark();
            int a = Heap.PushRoot(nw);
            ulong dw = NumObj.StoreInteger(Heap, den);
            nw = Heap.Root(a);
            Heap.PopRoots(mark);
            res = NumObj.MakeRatioObject(Heap, nw, dw);
            return NumStatus.Ok;
        }

        static bool IsOne(Big v) => v.N == 1 && v.D[0] == 1 && !v.Neg;

        /// <summary>v = v / g exactly (g divides v), through q and r.</summary>
        NumStatus DivExact(Big v, Big g)
        {
            NumStatus st = Ar.Truncate(v, g, q, r);
            if (st == NumStatus.Ok) v.CopyFrom(q);
            return st;
        }

        /// <summary>Integer word from a Big register.</summary>
        public ulong MakeInteger(Big v) => NumObj.StoreInteger(Heap, v);

        // ------------------------------------------------------------ + - * /

        enum Op { Add, Sub, Mul, Div }

        public NumStatus Add(ulong a, ulong b, out ulong res) => Arith(Op.Add, a, b, out res);
        public NumStatus Sub(ulong a, ulong b, out ulong res) => Arith(Op.Sub, a, b, out res);
        public NumStatus Mul(ulong a, ulong b, out ulong res) => Arith(Op.Mul, a, b, out res);
        public NumStatus Div(ulong a, ulong b, out ulong res) => Arith(Op.Div, a, b, out res);

        NumStatus Arith(Op op, ulong a, ulong b, out ulong res)
        {
            res = W.Nil;
            if (W.IsFixnum(a) && W.IsFixnum(b))
            {
                long u = W.FixVal(a), v = W.FixVal(b);
                if (op == Op.Add) { long s = u + v; if (W.FitsFixnum(s)) { res = W.Fix(s); return NumStatus.Ok; } }
                else if (op == Op.Sub) { long s = u - v; if (W.FitsFixnum(s)) { res = W.Fix(s); return NumStatus.Ok; } }
                else if (op == Op.Mul)
                {
                    long au = u < 0 ? -u : u, av = v < 0 ? -v : v;
                    if ((au < (1L << 30) && av < (1L << 30))) { res = W.Fix(u * v); return NumStatus.Ok; }
                }
            }
            NumKind ka = NumObj.Kind(a), kb = NumObj.Kind(b);
            if (ka == NumKind.NotNumber || kb == NumKind.NotNumber) return NumStatus.NotANumber;
            if (ka == NumKind.Complex || kb == NumKind.Complex)
                return ComplexArith(op, a, b, ka == NumKind.Complex, kb == NumKind.Complex, out res);
            if (NumObj.IsFloat(ka) || NumObj.IsFloat(kb))
            {
                bool dbl = ka == NumKind.Double || kb == NumKind.Double;
                double da, db; NumStatus st;
                if (dbl) { st = ToDouble(a, out da); if (st != NumStatus.Ok) return st; st = ToDouble(b, out db); if (st != NumStatus.Ok) return st; }
                else
                {
                    st = ToSingle(a, out float fa); if (st != NumStatus.Ok) return st;
                    st = ToSingle(b, out float fb); if (st != NumStatus.Ok) return st;
                    da = fa; db = fb;
                }
                double rr;
                switch (op)
                {
                    case Op.Add: rr = da + db; break;
                    case Op.Sub: rr = da - db; break;
                    case Op.Mul: rr = da * db; break;
                    default:
                        if (db == 0) return NumStatus.DivisionByZero;
                        rr = da / db; break;
                }
                return FloatResult(rr, dbl, out res);
            }
            NumStatus s2;
            if (ka != NumKind.Ratio && kb != NumKind.Ratio && op != Op.Div)
            {
                NumObj.LoadInteger(a, an); NumObj.LoadInteger(b, bn);
                s2 = op == Op.Add ? Ar.Add(an, bn, an) : op == Op.Sub ? Ar.Sub(an, bn, an) : Ar.Mul(an, bn, an);
                if (s2 != NumStatus.Ok) return s2;
                res = NumObj.StoreInteger(Heap, an);
                return NumStatus.Ok;
            }
            LoadRational(a, ka, an, ad); LoadRational(b, kb, bn, bd);
            return op == Op.Add || op == Op.Sub ? RatioAddSub(op == Op.Sub, out res) : RatioMulDiv(op == Op.Div, out res);
        }

        /// <summary>
        /// an/ad +- bn/bd, both normalised, by Knuth's method (TAOCP vol. 2, 4.5.1): with
        /// d1 = gcd(ad, bd), t = an*(bd/d1) +- bn*(ad/d1) and d2 = gcd(t, d1) the result
        /// t/d2 over (ad/d1)*(bd/d2) is already normalised; the gcds are of the small parts.
        /// </summary>
        NumStatus RatioAddSub(bool sub, out ulong res)
        {
            res = W.Nil;
            NumStatus st;
            if ((st = Ar.Gcd(ad, bd, z)) != NumStatus.Ok) return st;
            if (IsOne(z))
            {
                if ((st = Ar.Mul(an, bd, x)) != NumStatus.Ok) return st;
                if ((st = Ar.Mul(bn, ad, y)) != NumStatus.Ok) return st;
                if ((st = sub ? Ar.Sub(x, y, x) : Ar.Add(x, y, x)) != NumStatus.Ok) return st;
                if ((st = Ar.Mul(ad, bd, y)) != NumStatus.Ok) return st;
                return StoreRational(x, y, out res);
            }
            if ((st = Ar.Truncate(bd, z, q, r)) != NumStatus.Ok) return st;
            if ((st = Ar.Mul(an, q, x)) != NumStatus.Ok) return st;          // an*(bd/d1)
            if ((st = DivExact(ad, z)) != NumStatus.Ok) return st;           // ad := ad/d1
            if ((st = Ar.Mul(bn, ad, y)) != NumStatus.Ok) return st;         // bn*(ad/d1)
            if ((st = sub ? Ar.Sub(x, y, x) : Ar.Add(x, y, x)) != NumStatus.Ok) return st;
            if (x.IsZero) { res = W.Fix(0); return NumStatus.Ok; }
            if ((st = Ar.Gcd(x, z, y)) != NumStatus.Ok) return st;           // d2
            if (!IsOne(y))
            {
                if ((st = DivExact(x, y)) != NumStatus.Ok) return st;
                if ((st = DivExact(bd, y)) != NumStatus.Ok) return st;
            }
            if ((st = Ar.Mul(ad, bd, y)) != NumStatus.Ok) return st;
            return StoreRational(x, y, out res);
        }

        /// <summary>
        /// an/ad * bn/bd (or / : the divisor inverted first), both normalised, by Knuth's
        /// cross gcds: g1 = gcd(an, bd), g2 = gcd(bn, ad); (an/g1)(bn/g2) over (ad/g2)(bd/g1)
        /// is normalised without a gcd of the full products.
        /// </summary>
        NumStatus RatioMulDiv(bool div, out ulong res)
        {
            res = W.Nil;
            NumStatus st;
            if (div)
            {
                if (bn.IsZero) return NumStatus.DivisionByZero;
                bool neg = bn.Neg;
                q.CopyFrom(bn); bn.CopyFrom(bd); bn.Neg = neg && bn.N != 0;
                bd.CopyFrom(q); bd.Neg = false;
            }
            if (an.IsZero || bn.IsZero) { res = W.Fix(0); return NumStatus.Ok; }
            if ((st = Ar.Gcd(an, bd, z)) != NumStatus.Ok) return st;
            if (!IsOne(z))
            {
                if ((st = DivExact(an, z)) != NumStatus.Ok) return st;
                if ((st = DivExact(bd, z)) != NumStatus.Ok) return st;
            }
            if ((st = Ar.Gcd(bn, ad, z)) != NumStatus.Ok) return st;
            if (!IsOne(z))
            {
                if ((st = DivExact(bn, z)) != NumStatus.Ok) return st;
                if ((st = DivExact(ad, z)) != NumStatus.Ok) return st;
            }
            if ((st = Ar.Mul(an, bn, x)) != NumStatus.Ok) return st;
            if ((st = Ar.Mul(ad, bd, y)) != NumStatus.Ok) return st;
            return StoreRational(x, y, out res);
        }

        public NumStatus Negate(ulong a, out ulong res)
        {
            res = W.Nil;
            NumKind k = NumObj.Kind(a);
            switch (k)
            {
                case NumKind.Fixnum:
                    {
                        long v = -W.FixVal(a);
                        if (W.FitsFixnum(v)) { res = W.Fix(v); return NumStatus.Ok; }
                        NumObj.LoadInteger(a, x); x.Neg = !x.Neg && x.N != 0;
                        res = NumObj.StoreInteger(Heap, x); return NumStatus.Ok;
                    }
                case NumKind.Bignum:
                    NumObj.LoadInteger(a, x); x.Neg = !x.Neg && x.N != 0;
                    res = NumObj.StoreInteger(Heap, x); return NumStatus.Ok;
                case NumKind.Single: res = W.MakeSingle(-W.SingleValue(a)); return NumStatus.Ok;
                case NumKind.Double: res = NumObj.MakeDoubleBits(Heap, NumObj.DoubleBits(a) ^ (1UL << 63)); return NumStatus.Ok;
                case NumKind.Ratio:
                    return Sub(W.Fix(0), a, out res);
                case NumKind.Complex: return ComplexNegate(a, out res);
                default: return NumStatus.NotANumber;
            }
        }

        // ------------------------------------------------------------ comparison

        /// <summary>
        /// c = -1, 0, 1 comparing two reals. Float vs rational compares exactly (the float is
        /// made rational). NaN compares as unordered: c = 2.
        /// </summary>
        public NumStatus Compare(ulong a, ulong b, out int c)
        {
            c = 0;
            if (W.IsFixnum(a) && W.IsFixnum(b))
            {
                long u = W.FixVal(a), v = W.FixVal(b);
                c = u < v ? -1 : u > v ? 1 : 0; return NumStatus.Ok;
            }
            NumKind ka = NumObj.Kind(a), kb = NumObj.Kind(b);
            if (ka == NumKind.NotNumber || kb == NumKind.NotNumber) return NumStatus.NotANumber;
            if (ka == NumKind.Complex || kb == NumKind.Complex) return NumStatus.NotANumber;
            if (NumObj.IsFloat(ka) && NumObj.IsFloat(kb))
            {
                ToDouble(a, out double da); ToDouble(b, out double db);
                c = da < db ? -1 : da > db ? 1 : da == db ? 0 : 2; return NumStatus.Ok;
            }
            if (!LoadExact(a, ka, an, ad)) { c = 2; return NumStatus.Ok; }
            if (!LoadExact(b, kb, bn, bd)) { c = 2; return NumStatus.Ok; }
            NumStatus st;
            if ((st = Ar.Mul(an, bd, x)) != NumStatus.Ok) return st;
            if ((st = Ar.Mul(bn, ad, y)) != NumStatus.Ok) return st;
            c = BigArith.Compare(x, y);
            return NumStatus.Ok;
        }

        /// <summary>Loads any real exactly as num/den; false for infinities and NaNs.</summary>
        bool LoadExact(ulong w, NumKind k, Big num, Big den)
        {
            if (NumObj.IsRational(k)) { LoadRational(w, k, num, den); return true; }
            IeeeFormat f = k == NumKind.Single ? IeeeFormat.Single : IeeeFormat.Double;
            ulong bits = k == NumKind.Single ? W.SingleBits(w) : NumObj.DoubleBits(w);
            if (!FloatConv.Decompose(bits, f, out ulong mant, out int e2, out bool neg)) return false;
            num.SetULong(mant); den.SetLong(1);
            if (e2 >= 0) Mag.Shl(num, e2, num); else Mag.Shl(den, -e2, den);
            num.Neg = neg && num.N != 0;
            return true;
        }

        public NumStatus NumEquals(ulong a, ulong b, out bool eq)
        {
            if (NumObj.Kind(a) == NumKind.Complex || NumObj.Kind(b) == NumKind.Complex)
            {
                eq = false;
                if (NumObj.Kind(a) == NumKind.NotNumber || NumObj.Kind(b) == NumKind.NotNumber) return NumStatus.NotANumber;
                return ComplexEquals(a, b, out eq);
            }
            NumStatus st = Compare(a, b, out int c);
            eq = st == NumStatus.Ok && c == 0;
            return st;
        }

        /// <summary>Exact rational of a real (CL rational).</summary>
        public NumStatus Rational(ulong a, out ulong res)
        {
            res = W.Nil;
            NumKind k = NumObj.Kind(a);
            if (NumObj.IsRational(k)) { res = a; return NumStatus.Ok; }
            if (!NumObj.IsFloat(k)) return NumStatus.NotANumber;
            if (!LoadExact(a, k, x, y)) return NumStatus.FloatOverflow;
            return MakeRational(x, y, out res);
        }

        /// <summary>CL float: to single (prototypeDouble false) or double.</summary>
        public NumStatus Float(ulong a, bool toDouble, out ulong res)
        {
            res = W.Nil;
            NumStatus st;
            if (toDouble) { st = ToDouble(a, out double d); if (st != NumStatus.Ok) return st; res = NumObj.MakeDouble(Heap, d); return NumStatus.Ok; }
            st = ToSingle(a, out float f); if (st != NumStatus.Ok) return st;
            res = W.MakeSingle(f); return NumStatus.Ok;
        }
    }
}
