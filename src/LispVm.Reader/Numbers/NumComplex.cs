// Why: complex numbers (CLHS 12.1.5). A complex is a boxed Complex object of two words,
// slot 0 the real part and slot 1 the imaginary part, both rational or both floats of
// one format (the wider of the two: single + double gives double parts). A rational
// complex with a zero imaginary part is the rational itself (12.1.5.3); a float complex
// stays complex. + - * / = on complexes are built here from the real operations on the
// parts; the fixnum and float fast paths never reach this file.
using LispVm.Gc;

namespace LispVm.Reader.Numbers
{
    public sealed unsafe partial class Num
    {
        /// <summary>Real part of a number (the number itself for a real).</summary>
        public static ulong RealPartOf(ulong w) => NumObj.Kind(w) == NumKind.Complex ? NumObj.Slot(w, 0) : w;

        /// <summary>Imaginary part of a complex; fixnum 0 for a real (callers float it as needed).</summary>
        public static ulong ImagPartOf(ulong w) => NumObj.Kind(w) == NumKind.Complex ? NumObj.Slot(w, 1) : W.Fix(0);

        /// <summary>A new Complex object; re and im are already of one kind (not checked).</summary>
        ulong NewComplex(ulong re, ulong im)
        {
            int mark = Heap.RootMark();
            int a = Heap.PushRoot(re); Heap.PushRoot(im);
            ulong w = Heap.AllocBoxed(ObjType.Complex, 2);
            Heap.SetSlot(w, 0, Heap.Root(a));
            Heap.SetSlot(w, 1, Heap.Root(a + 1));
            Heap.PopRoots(mark);
            return w;
        }

        /// <summary>CL complex: a rational when both parts are rational and im is 0, else a
        /// Complex whose parts are brought to one float format when either is a float.</summary>
        public NumStatus MakeComplex(ulong re, ulong im, out ulong res)
        {
            res = W.Nil;
            NumKind kr = NumObj.Kind(re), ki = NumObj.Kind(im);
            if (kr == NumKind.NotNumber || kr == NumKind.Complex || ki == NumKind.NotNumber || ki == NumKind.Complex)
                return NumStatus.NotANumber;
            if (NumObj.IsRational(kr) && NumObj.IsRational(ki))
            {
                if (im == W.Fix(0)) { res = re; return NumStatus.Ok; }
                res = NewComplex(re, im);
                return NumStatus.Ok;
            }
            bool dbl = kr == NumKind.Double || ki == NumKind.Double;
            NumStatus st;
            if (dbl)
            {
                if ((st = ToDouble(re, out double r)) != NumStatus.Ok) return st;
                if ((st = ToDouble(im, out double i)) != NumStatus.Ok) return st;
                return ComplexFloat(r, i, true, out res);
            }
            if ((st = ToSingle(re, out float rf)) != NumStatus.Ok) return st;
            if ((st = ToSingle(im, out float imf)) != NumStatus.Ok) return st;
            res = NewComplex(W.MakeSingle(rf), W.MakeSingle(imf));
            return NumStatus.Ok;
        }

        /// <summary>A float complex from two doubles, narrowed to singles unless dbl.
        /// FloatOverflow if a part is not finite in its format.</summary>
        public NumStatus ComplexFloat(double re, double im, bool dbl, out ulong res)
        {
            res = W.Nil;
            if (!dbl)
            {
                float fr = (float)re, fi = (float)im;
                if (fr - fr != 0 || fi - fi != 0) return NumStatus.FloatOverflow;
                res = NewComplex(W.MakeSingle(fr), W.MakeSingle(fi));
                return NumStatus.Ok;
            }
            if (!Finite(re) || !Finite(im)) return NumStatus.FloatOverflow;
            ulong rw = NumObj.MakeDouble(Heap, re);
            int mark = Heap.RootMark();
            int a = Heap.PushRoot(rw);
            ulong iw = NumObj.MakeDouble(Heap, im);
            rw = Heap.Root(a);
            Heap.PopRoots(mark);
            res = NewComplex(rw, iw);
            return NumStatus.Ok;
        }

        /// <summary>Both parts of a number as doubles, and whether its parts are doubles
        /// (for a complex or a real).</summary>
        public NumStatus ComplexParts(ulong w, out double re, out double im, out bool dbl)
        {
            re = 0; im = 0; dbl = false;
            NumKind k = NumObj.Kind(w);
            if (k == NumKind.NotNumber) return NumStatus.NotANumber;
            ulong r = RealPartOf(w), i = ImagPartOf(w);
            dbl = NumObj.Kind(r) == NumKind.Double;
            NumStatus st;
            if ((st = ToDouble(r, out re)) != NumStatus.Ok) return st;
            if ((st = ToDouble(i, out im)) != NumStatus.Ok) return st;
            // the zero imaginary part of a real float keeps the sign convention of +0.0
            return NumStatus.Ok;
        }

        static bool PartIsFloat(ulong w) => NumObj.IsFloat(NumObj.Kind(w));
        static bool PartIsDouble(ulong w) => NumObj.Kind(w) == NumKind.Double;

        /// <summary>a op b where at least one is a complex (called from Arith).</summary>
        NumStatus ComplexArith(Op op, ulong a, ulong b, bool aComplex, bool bComplex, out ulong res)
        {
            res = W.Nil;
            ulong ar = RealPartOf(a), ai = ImagPartOf(a), br = RealPartOf(b), bi = ImagPartOf(b);
            bool flt = PartIsFloat(ar) || PartIsFloat(br);
            if (flt)
            {
                bool dbl = PartIsDouble(ar) || PartIsDouble(br);
                NumStatus st;
                double xr, xi, yr, yi;
                if ((st = ToDouble(ar, out xr)) != NumStatus.Ok) return st;
                if ((st = ToDouble(ai, out xi)) != NumStatus.Ok) return st;
                if ((st = ToDouble(br, out yr)) != NumStatus.Ok) return st;
                if ((st = ToDouble(bi, out yi)) != NumStatus.Ok) return st;
                double zr, zi;
                switch (op)
                {
                    case Op.Add: zr = xr + yr; zi = xi + yi; break;
                    case Op.Sub: zr = xr - yr; zi = xi - yi; break;
                    case Op.Mul:
                        if (!bComplex) { zr = xr * yr; zi = xi * yr; }
                        else if (!aComplex) { zr = xr * yr; zi = xr * yi; }
                        else { zr = xr * yr - xi * yi; zi = xr * yi + xi * yr; }
                        break;
                    default:
                        if (!bComplex)
                        {
                            if (yr == 0) return NumStatus.DivisionByZero;
                            zr = xr / yr; zi = xi / yr;
                        }
                        else if (!ComplexFns.Div(xr, xi, yr, yi, out zr, out zi)) return NumStatus.DivisionByZero;
                        break;
                }
                return ComplexFloat(zr, zi, dbl, out res);
            }
            // Rational parts: exact, through the real operations with the parts as roots.
            int mark = Heap.RootMark();
            int p = Heap.PushRoot(ar); Heap.PushRoot(ai); Heap.PushRoot(br); Heap.PushRoot(bi);
            int t = Heap.PushRoot(W.Fix(0)); Heap.PushRoot(W.Fix(0)); Heap.PushRoot(W.Fix(0)); Heap.PushRoot(W.Fix(0));
            NumStatus s = NumStatus.Ok;
            const int AR = 0, AI = 1, BR = 2, BI = 3, T0 = 4, T1 = 5, T2 = 6, T3 = 7;
            switch (op)
            {
                case Op.Add:
                case Op.Sub:
                    s = Step(op, p, AR, BR, T0);
                    if (s == NumStatus.Ok) s = Step(op, p, AI, BI, T1);
                    break;
                case Op.Mul:
                    // (ar br - ai bi) + (ar bi + ai br) i
                    s = Step(Op.Mul, p, AR, BR, T0);
                    if (s == NumStatus.Ok) s = Step(Op.Mul, p, AI, BI, T1);
                    if (s == NumStatus.Ok) s = Step(Op.Sub, p, T0, T1, T0);
                    if (s == NumStatus.Ok) s = Step(Op.Mul, p, AR, BI, T1);
                    if (s == NumStatus.Ok) s = Step(Op.Mul, p, AI, BR, T2);
                    if (s == NumStatus.Ok) s = Step(Op.Add, p, T1, T2, T1);
                    break;
                default:
                    if (!bComplex)
                    {
                        s = Step(Op.Div, p, AR, BR, T0);
                        if (s == NumStatus.Ok) s = Step(Op.Div, p, AI, BR, T1);
                        break;
                    }
                    // ((ar br + ai bi) + (ai br - ar bi) i) / (br^2 + bi^2); bi != 0 so the
                    // denominator is positive
                    s = Step(Op.Mul, p, BR, BR, T2);
                    if (s == NumStatus.Ok) s = Step(Op.Mul, p, BI, BI, T3);
                    if (s == NumStatus.Ok) s = Step(Op.Add, p, T2, T3, T2);
                    if (s == NumStatus.Ok) s = Step(Op.Mul, p, AR, BR, T0);
                    if (s == NumStatus.Ok) s = Step(Op.Mul, p, AI, BI, T3);
                    if (s == NumStatus.Ok) s = Step(Op.Add, p, T0, T3, T0);
                    if (s == NumStatus.Ok) s = Step(Op.Div, p, T0, T2, T0);
                    if (s == NumStatus.Ok) s = Step(Op.Mul, p, AI, BR, T1);
                    if (s == NumStatus.Ok) s = Step(Op.Mul, p, AR, BI, T3);
                    if (s == NumStatus.Ok) s = Step(Op.Sub, p, T1, T3, T1);
                    if (s == NumStatus.Ok) s = Step(Op.Div, p, T1, T2, T1);
                    break;
            }
            if (s == NumStatus.Ok) s = MakeComplex(Heap.Root(t), Heap.Root(t + 1), out res);
            Heap.PopRoots(mark);
            return s;
        }

        /// <summary>roots[base+dst] = roots[base+x] op roots[base+y] on reals.</summary>
        NumStatus Step(Op op, int rootBase, int xi, int yi, int dst)
        {
            NumStatus st = Arith(op, Heap.Root(rootBase + xi), Heap.Root(rootBase + yi), out ulong v);
            if (st == NumStatus.Ok) Heap.SetRoot(rootBase + dst, v);
            return st;
        }

        NumStatus ComplexNegate(ulong a, out ulong res)
        {
            res = W.Nil;
            int mark = Heap.RootMark();
            int p = Heap.PushRoot(a); Heap.PushRoot(W.Fix(0));
            NumStatus st = Negate(NumObj.Slot(a, 0), out ulong re);
            if (st == NumStatus.Ok)
            {
                Heap.SetRoot(p + 1, re);
                st = Negate(NumObj.Slot(Heap.Root(p), 1), out ulong im);
                if (st == NumStatus.Ok) res = NewComplex(Heap.Root(p + 1), im);
            }
            Heap.PopRoots(mark);
            return st;
        }

        /// <summary>= when one side is a complex: both parts equal (a real has imaginary part 0).
        /// Compare allocates nothing, so the parts need no roots.</summary>
        NumStatus ComplexEquals(ulong a, ulong b, out bool eq)
        {
            eq = false;
            NumStatus st = Compare(RealPartOf(a), RealPartOf(b), out int c);
            if (st != NumStatus.Ok || c != 0) return st;
            st = Compare(ImagPartOf(a), ImagPartOf(b), out c);
            eq = st == NumStatus.Ok && c == 0;
            return st;
        }

        /// <summary>CL abs of a complex: the modulus as a float (single for rational or
        /// single parts), computed without intermediate overflow.</summary>
        public NumStatus ComplexAbs(ulong a, out ulong res)
        {
            res = W.Nil;
            NumStatus st = ComplexParts(a, out double re, out double im, out bool dbl);
            if (st != NumStatus.Ok) return st;
            return FloatResult(ComplexFns.Hypot(re, im), dbl, out res);
        }

        /// <summary>An elementary function of a complex argument, or of a real one whose
        /// result is complex (sqrt -1, log -1, asin 2...). The result is a float complex,
        /// double when the argument's parts are doubles. A real argument is taken as
        /// x + 0i, except that asin and acos take x > 1 as x - 0i: CLHS puts the cut's
        /// values to the right of 1 in quadrant IV.</summary>
        public NumStatus ComplexMath(ComplexFn fn, ulong z, out ulong res)
        {
            res = W.Nil;
            NumStatus st = ComplexParts(z, out double x, out double y, out bool dbl);
            if (st != NumStatus.Ok) return st;
            if (NumObj.Kind(z) != NumKind.Complex)
            {
                y = 0.0;
                if ((fn == ComplexFn.Asin || fn == ComplexFn.Acos) && x > 1) y = -0.0;
            }
            if (!ComplexFns.Apply(fn, x, y, out double re, out double im)) return NumStatus.DivisionByZero;
            return ComplexFloat(re, im, dbl, out res);
        }

        /// <summary>expt when the result is complex or the base is: base^power = exp(power
        /// log base) in doubles; a zero base gives zero for a power with positive real part.</summary>
        NumStatus ComplexExpt(ulong b, ulong p, out ulong res)
        {
            res = W.Nil;
            NumStatus st = ComplexParts(b, out double br, out double bi, out bool bd);
            if (st != NumStatus.Ok) return st;
            st = ComplexParts(p, out double pr, out double pi, out bool pd);
            if (st != NumStatus.Ok) return st;
            bool dbl = bd || pd;
            bool complexResult = NumObj.Kind(b) == NumKind.Complex || NumObj.Kind(p) == NumKind.Complex;
            if (br == 0 && bi == 0)
            {
                if (!(pr > 0)) return NumStatus.DivisionByZero;
                if (complexResult) return ComplexFloat(0.0, 0.0, dbl, out res);
                return FloatResult(0.0, dbl, out res);
            }
            ComplexFns.Log(br, bi, out double lr, out double li);
            double wr = pr * lr - pi * li, wi = pr * li + pi * lr;
            if (pi == 0 && NumObj.Kind(p) != NumKind.Complex) wr = pr * lr;   // real power: no 0 * inf
            ComplexFns.Exp(wr, wi, out double re, out double im);
            return ComplexFloat(re, im, dbl, out res);
        }
    }
}
