// Why: the integer-valued and division-family entry points (truncate/floor/ceiling/round
// with remainder, gcd, lcm, isqrt, expt, ash, logand/logior/logxor/lognot) on top of the
// Big registers; floats take the float route (quotient as an integer, float remainder).
using LispVm.Gc;

namespace LispVm.Reader.Numbers
{
    public sealed unsafe partial class Num
    {
        /// <summary>quotient = mode(a / b) as an integer, remainder = a - quotient * b.</summary>
        public NumStatus Divide(RoundMode mode, ulong a, ulong b, out ulong quotient, out ulong remainder)
        {
            quotient = W.Nil; remainder = W.Nil;
            NumKind ka = NumObj.Kind(a), kb = NumObj.Kind(b);
            if (ka == NumKind.NotNumber || kb == NumKind.NotNumber || ka == NumKind.Complex || kb == NumKind.Complex)
                return NumStatus.NotANumber;
            NumStatus st;
            if (W.IsFixnum(a) && W.IsFixnum(b))
            {
                long u = W.FixVal(a), v = W.FixVal(b);
                if (v == 0) return NumStatus.DivisionByZero;
                long qq = u / v, rr = u - qq * v;
                AdjustQuotient(mode, ref qq, ref rr, v);
                quotient = W.Fix(qq); remainder = W.Fix(rr);   // |q| <= |u|, fits
                if (!W.FitsFixnum(qq)) { x.SetLong(qq); quotient = NumObj.StoreInteger(Heap, x); }
                return NumStatus.Ok;
            }
            if (NumObj.IsFloat(ka) || NumObj.IsFloat(kb))
            {
                bool dbl = ka == NumKind.Double || kb == NumKind.Double;
                double da, db;
                if ((st = ToDouble(a, out da)) != NumStatus.Ok) return st;
                if ((st = ToDouble(b, out db)) != NumStatus.Ok) return st;
                if (!dbl) { da = (float)da; db = (float)db; }
                if (db == 0) return NumStatus.DivisionByZero;
                double qd = da / db;
                if (!dbl) qd = (float)qd;
                if (!Finite(qd)) return NumStatus.FloatOverflow;
                double qi = RoundDouble(mode, qd);
                double rd = da - qi * db;
                if (!dbl) rd = (float)rd;
                if ((st = IntegerFromDouble(qi, out quotient)) != NumStatus.Ok) return st;
                int m = Heap.RootMark(); int slot = Heap.PushRoot(quotient);
                st = FloatResult(rd, dbl, out remainder);
                quotient = Heap.Root(slot); Heap.PopRoots(m);
                return st;
            }
            // rationals: a/b = (an*bd) / (ad*bn)
            LoadRational(a, ka, an, ad); LoadRational(b, kb, bn, bd);
            if (bn.IsZero) return NumStatus.DivisionByZero;
            if ((st = Ar.Mul(an, bd, x)) != NumStatus.Ok) return st;
            if ((st = Ar.Mul(ad, bn, y)) != NumStatus.Ok) return st;
            if ((st = Ar.Truncate(x, y, q, r)) != NumStatus.Ok) return st;
            if (!r.IsZero)
            {
                bool exactNeg = x.Neg != y.Neg;   // sign of the true quotient
                bool bump = false, down = false;
                switch (mode)
                {
                    case RoundMode.Floor: down = exactNeg; break;
                    case RoundMode.Ceiling: bump = !exactNeg; break;
                    case RoundMode.Round:
                        {
                            // compare 2|r| with |y|
                            z.CopyFrom(r); z.Neg = false;
                            if ((st = Mag.Shl(z, 1, z)) != NumStatus.Ok) return st;
                            int c = Mag.Cmp(z, y);
                            if (c > 0 || (c == 0 && q.IsOdd)) { if (exactNeg) down = true; else bump = true; }
                            break;
                        }
                }
                if (bump || down)
                {
                    z.SetLong(bump ? 1 : -1);
                    if ((st = Ar.Add(q, z, q)) != NumStatus.Ok) return st;
                    // r = x - q*y follows the quotient: one y less or more
                    if ((st = bump ? Ar.Sub(r, y, r) : Ar.Add(r, y, r)) != NumStatus.Ok) return st;
                }
            }
            if (ka != NumKind.Ratio && kb != NumKind.Ratio)
            {
                // integers: x = a, y = b, so r is already a - q*b
                int mk = Heap.RootMark();
                quotient = NumObj.StoreInteger(Heap, q);
                int qs = Heap.PushRoot(quotient);
                remainder = NumObj.StoreInteger(Heap, r);
                quotient = Heap.Root(qs);
                Heap.PopRoots(mk);
                return NumStatus.Ok;
            }
            // a and b are rooted before the quotient is stored: that allocation may move them.
            int mark = Heap.RootMark();
            int aa = Heap.PushRoot(a); int ba = Heap.PushRoot(b);
            quotient = NumObj.StoreInteger(Heap, q);
            int qa = Heap.PushRoot(quotient);
            st = Mul(Heap.Root(qa), Heap.Root(ba), out ulong prod);
            if (st == NumStatus.Ok) st = Sub(Heap.Root(aa), prod, out remainder);
            quotient = Heap.Root(qa);
            Heap.PopRoots(mark);
            return st;
        }

        static void AdjustQuotient(RoundMode mode, ref long qq, ref long rr, long v)
        {
            if (rr == 0) return;
            bool exactNeg = (rr < 0) != (v < 0);    // rr has the sign of u; quotient sign = sign(u)*sign(v)
            switch (mode)
            {
                case RoundMode.Floor: if (exactNeg) { qq--; rr += v; } break;
                case RoundMode.Ceiling: if (!exactNeg) { qq++; rr -= v; } break;
                case RoundMode.Round:
                    {
                        long ar2 = rr < 0 ? -rr : rr, av = v < 0 ? -v : v;
                        if (2 * ar2 > av || (2 * ar2 == av && (qq & 1) != 0))
                        {
                            if (exactNeg) { qq--; rr += v; } else { qq++; rr -= v; }
                        }
                        break;
                    }
            }
        }

        static double Trunc(double d)
        {
            const double two52 = 4503599627370496.0;
            if (!(MathFns.Abs(d) < two52)) return d;
            double t = (double)(long)d;
            return t == 0 && d < 0 ? -0.0 : t;
        }

        static double RoundDouble(RoundMode mode, double d)
        {
            double t = Trunc(d);
            switch (mode)
            {
                case RoundMode.Floor: return t > d ? t - 1 : t;
                case RoundMode.Ceiling: return t < d ? t + 1 : t;
                case RoundMode.Round: return MathFns.RoundEven(d);
                default: return t;
            }
        }

        /// <summary>The integer equal to an integral finite double.</summary>
        public NumStatus IntegerFromDouble(double d, out ulong res)
        {
            res = W.Nil;
            if (!Finite(d)) return NumStatus.FloatOverflow;
            if (MathFns.Abs(d) < 1e18) { res = W.Fix((long)d); if (!W.FitsFixnum((long)d)) { x.SetLong((long)d); res = NumObj.StoreInteger(Heap, x); } return NumStatus.Ok; }
            FloatConv.Decompose(MathFns.ToBits(d), IeeeFormat.Double, out ulong mant, out int e2, out bool neg);
            x.SetULong(mant);
            NumStatus st = e2 >= 0 ? Mag.Shl(x, e2, x) : NumStatus.Ok;
            if (e2 < 0) Mag.Shr(x, -e2, x);
            if (st != NumStatus.Ok) return st;
            x.Neg = neg && x.N != 0;
            res = NumObj.StoreInteger(Heap, x);
            return NumStatus.Ok;
        }

        NumStatus LoadTwoIntegers(ulong a, ulong b)
        {
            if (!NumObj.IsInteger(NumObj.Kind(a)) || !NumObj.IsInteger(NumObj.Kind(b))) return NumStatus.NotAnInteger;
            NumObj.LoadInteger(a, an); NumObj.LoadInteger(b, bn);
            return NumStatus.Ok;
        }

        public NumStatus Gcd(ulong a, ulong b, out ulong res)
        {
            res = W.Nil;
            NumStatus st = LoadTwoIntegers(a, b); if (st != NumStatus.Ok) return st;
            if ((st = Ar.Gcd(an, bn, x)) != NumStatus.Ok) return st;
            res = NumObj.StoreInteger(Heap, x); return NumStatus.Ok;
        }

        public NumStatus Lcm(ulong a, ulong b, out ulong res)
        {
            res = W.Nil;
            NumStatus st = LoadTwoIntegers(a, b); if (st != NumStatus.Ok) return st;
            if (an.IsZero || bn.IsZero) { res = W.Fix(0); return NumStatus.Ok; }
            if ((st = Ar.Gcd(an, bn, x)) != NumStatus.Ok) return st;
            if (x.N == 1 && x.D[0] == 1) st = Ar.Mul(an, bn, y);   // coprime: no division
            else
            {
                if ((st = Ar.Truncate(an, x, q, r)) != NumStatus.Ok) return st;
                st = Ar.Mul(q, bn, y);
            }
            if (st != NumStatus.Ok) return st;
            y.Neg = false;
            res = NumObj.StoreInteger(Heap, y); return NumStatus.Ok;
        }

        /// <summary>op: 0 = logand, 1 = logior, 2 = logxor.</summary>
        public NumStatus Logic(int op, ulong a, ulong b, out ulong res)
        {
            res = W.Nil;
            if (W.IsFixnum(a) && W.IsFixnum(b))
            {
                res = op == 0 ? (a & b) : op == 1 ? (a | b) : (a ^ b);   // tag bits are 00 in both
                return NumStatus.Ok;
            }
            NumStatus st = LoadTwoIntegers(a, b); if (st != NumStatus.Ok) return st;
            if ((st = Ar.Logic(op, an, bn, x)) != NumStatus.Ok) return st;
            res = NumObj.StoreInteger(Heap, x); return NumStatus.Ok;
        }

        public NumStatus LogNot(ulong a, out ulong res)
        {
            res = W.Nil;
            if (W.IsFixnum(a)) { res = W.Fix(~W.FixVal(a)); return NumStatus.Ok; }
            if (!NumObj.IsInteger(NumObj.Kind(a))) return NumStatus.NotAnInteger;
            NumObj.LoadInteger(a, an);
            NumStatus st = Ar.Not(an, x); if (st != NumStatus.Ok) return st;
            res = NumObj.StoreInteger(Heap, x); return NumStatus.Ok;
        }

        public NumStatus Ash(ulong a, long count, out ulong res)
        {
            res = W.Nil;
            if (!NumObj.IsInteger(NumObj.Kind(a))) return NumStatus.NotAnInteger;
            if (W.IsFixnum(a))
            {
                long v = W.FixVal(a);
                if (count <= 0) { res = W.Fix(count <= -63 ? (v < 0 ? -1 : 0) : v >> (int)-count); return NumStatus.Ok; }
                if (count < 62 && v == ((v << (int)count) >> (int)count) && W.FitsFixnum(v << (int)count)) { res = W.Fix(v << (int)count); return NumStatus.Ok; }
                if (v == 0) { res = a; return NumStatus.Ok; }
            }
            if (count > (long)Ar.MaxDigits * 32) return NumStatus.TooLarge;
            NumObj.LoadInteger(a, an);
            NumStatus st = Ar.Ash(an, count, x); if (st != NumStatus.Ok) return st;
            res = NumObj.StoreInteger(Heap, x); return NumStatus.Ok;
        }

        /// <summary>
        /// Largest integer whose square is &lt;= a (a >= 0). Newton's method with the precision
        /// doubling each step (the loop of CPython's math.isqrt): step k divides the top 2d
        /// bits of a by the d/2-bit root of the step before, so the work is dominated by the
        /// last division (3c/2 by c/2 bits for a c-bit root), not log(c) full-size ones. The
        /// invariant (x-1)^2 &lt; (a >> 2(c-d)) &lt; (x+1)^2 leaves one final correction.
        /// </summary>
        public NumStatus Isqrt(ulong a, out ulong res)
        {
            res = W.Nil;
            if (!NumObj.IsInteger(NumObj.Kind(a))) return NumStatus.NotAnInteger;
            NumObj.LoadInteger(a, an);
            if (an.Neg) return NumStatus.DomainError;
            if (an.IsZero) { res = W.Fix(0); return NumStatus.Ok; }
            NumStatus st = IsqrtBig(an, x);
            if (st != NumStatus.Ok) return st;
            res = NumObj.StoreInteger(Heap, x); return NumStatus.Ok;
        }

        /// <summary>root = isqrt(n), n &gt; 0; uses y, z, q, r (root distinct from them and n).</summary>
        NumStatus IsqrtBig(Big n, Big root)
        {
            long c = (n.BitLength() - 1) / 2;
            int steps = 0;
            for (long t = c; t != 0; t >>= 1) steps++;
            root.SetLong(1);
            long d = 0;
            NumStatus st;
            for (int s = steps - 1; s >= 0; s--)
            {
                long e = d;
                d = c >> s;
                // root = (root << (d - e - 1)) + (n >> (2c - e - d + 1)) / root
                Mag.Shr(n, 2 * c - e - d + 1, y);
                if ((st = Ar.Truncate(y, root, q, r)) != NumStatus.Ok) return st;
                if ((st = Mag.Shl(root, d - e - 1, root)) != NumStatus.Ok) return st;
                if ((st = Mag.Add(root, q, root)) != NumStatus.Ok) return st;
            }
            if ((st = Ar.Mul(root, root, z)) != NumStatus.Ok) return st;
            if (Mag.Cmp(z, n) > 0) { y.SetLong(1); Mag.Sub(root, y, root); }
            return NumStatus.Ok;
        }

        /// <summary>CL expt: exact for a rational (or rational complex) base and an integer
        /// power; complex results through ComplexExpt.</summary>
        public NumStatus Expt(ulong b, ulong p, out ulong res)
        {
            res = W.Nil;
            NumKind kb = NumObj.Kind(b), kp = NumObj.Kind(p);
            if (kb == NumKind.NotNumber || kp == NumKind.NotNumber) return NumStatus.NotANumber;
            NumStatus st;
            if (NumObj.IsFloat(kp) && Heap.ToDouble(p) == 0)
            {
                // a float zero power: 1 in the format of the contagion of base and power
                bool d1 = kp == NumKind.Double || kb == NumKind.Double || (kb == NumKind.Complex && PartIsDouble(NumObj.Slot(b, 0)));
                if (kb == NumKind.Complex) return ComplexFloat(1.0, 0.0, d1, out res);
                return FloatResult(1.0, d1, out res);
            }
            if (kp == NumKind.Complex) return ComplexExpt(b, p, out res);
            if (NumObj.IsInteger(kp))
            {
                if (p == W.Fix(0))
                {
                    if (kb == NumKind.Complex && PartIsFloat(NumObj.Slot(b, 0)))
                        return MakeComplex(PartIsDouble(NumObj.Slot(b, 0)) ? MakeDouble(1.0) : W.MakeSingle(1.0f), W.Fix(0), out res);
                    res = NumObj.IsFloat(kb) ? (kb == NumKind.Double ? MakeDouble(1.0) : W.MakeSingle(1.0f)) : W.Fix(1); return NumStatus.Ok;
                }
                NumObj.LoadInteger(p, z);
                bool negp = z.Neg; z.Neg = false;
                if (z.BitLength() > 40)
                {
                    // only 0, 1, -1 (and floats) can survive such exponents
                    if (b == W.Fix(0)) { if (negp) return NumStatus.DivisionByZero; res = b; return NumStatus.Ok; }
                    if (b == W.Fix(1)) { res = b; return NumStatus.Ok; }
                    if (b == W.Fix(-1)) { res = z.IsOdd ? b : W.Fix(1); return NumStatus.Ok; }
                    if (!NumObj.IsFloat(kb)) return NumStatus.TooLarge;
                }
                z.TryGetLong(out long e);
                if (z.BitLength() > 40) e = 1L << 40;
                if (NumObj.IsFloat(kb))
                {
                    bool dbl = kb == NumKind.Double;
                    ToDouble(b, out double bd0);
                    double acc = 1, sq = bd0; long k = e;
                    while (k > 0) { if ((k & 1) != 0) acc *= sq; k >>= 1; if (k > 0) sq *= sq; }
                    if (negp) { if (acc == 0) return NumStatus.DivisionByZero; acc = 1 / acc; }
                    return FloatResult(acc, dbl, out res);
                }
                // exact: repeated squaring through the generic Mul (rationals stay exact)
                int mark = Heap.RootMark();
                int ra = Heap.PushRoot(W.Fix(1)); int sa = Heap.PushRoot(b);
                st = NumStatus.Ok;
                long kk = e; int iter = 0;
                while (kk > 0)
                {
                    if (Poll != null && (++iter & 7) == 0 && Poll.InterruptPending()) { st = NumStatus.Interrupted; break; }
                    ulong t;
                    if ((kk & 1) != 0) { st = Mul(Heap.Root(ra), Heap.Root(sa), out t); if (st != NumStatus.Ok) break; Heap.SetRoot(ra, t); }
                    kk >>= 1;
                    if (kk > 0) { st = Mul(Heap.Root(sa), Heap.Root(sa), out t); if (st != NumStatus.Ok) break; Heap.SetRoot(sa, t); }
                }
                ulong result = Heap.Root(ra);
                Heap.PopRoots(mark);
                if (st != NumStatus.Ok) return st;
                if (negp) return Div(W.Fix(1), result, out res);
                res = result; return NumStatus.Ok;
            }
            // non-integer power: exp(p * log b)
            if (kb == NumKind.Complex) return ComplexExpt(b, p, out res);
            bool dbl2 = kb == NumKind.Double || kp == NumKind.Double;
            double bd, pd;
            if ((st = ToDouble(b, out bd)) != NumStatus.Ok) return st;
            if ((st = ToDouble(p, out pd)) != NumStatus.Ok) return st;
            if (bd == 0) { if (pd > 0) return FloatResult(0.0, dbl2, out res); return NumStatus.DivisionByZero; }
            if (bd < 0) return ComplexExpt(b, p, out res);
            return FloatResult(MathFns.Exp(pd * MathFns.Log(bd)), dbl2, out res);
        }
    }
}
