// Why: the text of every non-list object: numbers in *print-base* (with *print-radix*
// prefixes), floats via FloatPrint, characters and strings with or without escapes,
// symbols with package prefixes and |...| when the name would not read back, and
// #<...> forms for objects without read syntax (which set NotReadable under readably).
using LispVm.Gc;
using LispVm.Reader.Numbers;

namespace LispVm.Reader
{
    public sealed unsafe partial class LispPrinter
    {
        void Unreadable() { if (opt.Readably) status = PrintStatus.NotReadable; }

        void PrintAtom()
        {
            ulong x = roots[0];
            if (W.IsFixnum(x)) { PrintInteger(x, false); return; }
            if (W.IsSymbol(x)) { PrintSymbol(); return; }
            if (W.IsImmediate(x))
            {
                if (W.IsChar(x)) { PrintChar(W.CharCode(x)); return; }
                if (W.IsSingle(x)) { PrintFloat(W.SingleBits(x), false); return; }
                Unreadable();
                Put(x == W.Unbound ? "#<UNBOUND>" : x == W.Eof ? "#<EOF>" : x == W.NoValue ? "#<NO-VALUE>" : "#<IMMEDIATE>");
                return;
            }
            if (!W.IsObj(x)) { Unreadable(); Put("#<BAD-OBJECT>"); return; }
            switch (heap.TypeOf(x))
            {
                case ObjType.Bignum: PrintInteger(x, false); return;
                case ObjType.Ratio: PrintRatio(); return;
                case ObjType.DoubleFloat: PrintFloat(NumObj.DoubleBits(x), true); return;
                case ObjType.String8:
                case ObjType.String32: PrintString(heap.Length(x)); return;
                case ObjType.BitVector:
                    {
                        Put("#*");
                        int n = heap.Length(x);
                        for (int i = 0; i < n; i++)
                        {
                            byte* p = heap.RawData(roots[0]);
                            Put(((p[i >> 3] >> (i & 7)) & 1) != 0 ? '1' : '0');
                        }
                        return;
                    }
                case ObjType.ByteVector:
                case ObjType.WordVector:
                case ObjType.DoubleVector:
                    PrintRawVector(heap.TypeOf(x)); return;
                case ObjType.ArrayHeader: PrintArrayHeader(); return;
                case ObjType.Complex:
                    {
                        Put("#C(");
                        roots[2] = heap.Slot(roots[0], 1);
                        roots[0] = heap.Slot(roots[0], 0);
                        PrintAtom();
                        Put(' ');
                        roots[0] = roots[2]; roots[2] = W.Nil;
                        PrintAtom();
                        Put(')');
                        return;
                    }
                case ObjType.Function:
                case ObjType.Closure:
                    {
                        Unreadable();
                        Put("#<FUNCTION ");
                        ulong f = roots[0];
                        if (heap.TypeOf(f) == ObjType.Closure && heap.Length(f) > 0) f = heap.Slot(f, 0);
                        ulong name = W.IsObj(f) && heap.TypeOf(f) == ObjType.Function && heap.Length(f) > 2 ? heap.Slot(f, 2) : W.Nil;
                        if (name != W.Nil && (W.IsSymbol(name) || heap.IsString(name)))
                        {
                            ulong keep = roots[0];
                            roots[0] = name;
                            if (W.IsSymbol(name)) PrintSymbol(); else PrintString(heap.Length(name));
                            roots[0] = keep;
                        }
                        else { Put("(LAMBDA) {"); PutHex(W.Addr(roots[0])); Put('}'); }
                        Put('>');
                        return;
                    }
                case ObjType.HashTable:
                    {
                        Unreadable();
                        HashTest t = heap.HashTableTest(x);
                        Put("#<HASH-TABLE :TEST ");
                        Put(t == HashTest.Eq ? "EQ" : t == HashTest.Eql ? "EQL" : t == HashTest.Equal ? "EQUAL" : "EQUALP");
                        Put(" :COUNT "); PutInt(heap.HashCount(roots[0]));
                        Put(" {"); PutHex(W.Addr(roots[0])); Put("}>");
                        return;
                    }
                case ObjType.Package:
                    {
                        Unreadable();
                        Put("#<PACKAGE \"");
                        ulong keep = roots[0];
                        roots[0] = heap.PackageName(keep);
                        bool esc = opt.Escape; opt.Escape = false;
                        PrintString(heap.Length(roots[0]));
                        opt.Escape = esc;
                        roots[0] = keep;
                        Put("\">");
                        return;
                    }
                default:
                    {
                        Unreadable();
                        ObjType t = heap.TypeOf(x);
                        Put(t == ObjType.Instance ? "#<INSTANCE {" : t == ObjType.Stream ? "#<STREAM {" : t == ObjType.LispThread ? "#<THREAD {"
                            : t == ObjType.ValueCell ? "#<VALUE-CELL {" : "#<OBJECT {");
                        PutHex(W.Addr(roots[0])); Put("}>");
                        return;
                    }
            }
        }

        // ------------------------------------------------------------ numbers

        void RadixPrefix()
        {
            if (!opt.Radix || opt.Base == 10) return;
            if (opt.Base == 2) Put("#b"); else if (opt.Base == 8) Put("#o"); else if (opt.Base == 16) Put("#x");
            else { Put('#'); PutInt(opt.Base); Put('r'); }
        }

        int IntegerDigits(ulong x, out bool neg)
        {
            NumObj.LoadInteger(x, reg);
            neg = reg.Neg;
            return num.Ar.ToDigits(reg, opt.Base, digits);
        }

        void PrintInteger(ulong x, bool inRatio)
        {
            if (!inRatio) RadixPrefix();
            int n = IntegerDigits(x, out bool neg);
            if (neg) Put('-');
            PutBytes(digits, n);
            if (!inRatio && opt.Radix && opt.Base == 10) Put('.');
        }

        void PrintRatio()
        {
            if (opt.Radix) { if (opt.Base == 10) Put("#10r"); else RadixPrefix(); }
            PrintInteger(heap.Slot(roots[0], 0), true);
            Put('/');
            PrintInteger(heap.Slot(roots[0], 1), true);
        }

        void PrintFloat(ulong bits, bool dbl)
        {
            byte marker = dbl == opt.DefaultDouble ? (byte)0 : dbl ? (byte)'d' : (byte)'f';
            int n = num.Print.Format(bits, dbl ? IeeeFormat.Double : IeeeFormat.Single, marker);
            if (n > 0 && num.Print.Out[0] == '#') Unreadable();
            // copy out first: Out is reused by the next Format
            for (int i = 0; i < n; i++) digits[i] = num.Print.Out[i];
            PutBytes(digits, n);
        }

        void PrintRawVector(ObjType t)
        {
            Put("#(");
            int n = heap.Length(roots[0]);
            for (int i = 0; i < n; i++)
            {
                if (opt.Length >= 0 && i >= opt.Length) { Put(i > 0 ? " ..." : "..."); break; }
                if (i > 0) Put(' ');
                byte* p = heap.RawData(roots[0]);
                if (t == ObjType.ByteVector) PutInt(p[i]);
                else if (t == ObjType.WordVector) { reg.SetULong(((ulong*)p)[i]); int k = num.Ar.ToDigits(reg, 10, digits); PutBytes(digits, k); }
                else PrintFloat(((ulong*)p)[i], true);
            }
            Put(')');
        }

        void PrintArrayHeader()
        {
            // [storage, fill-pointer, dimensions, displaced offset, flags] (Eval's layout)
            ulong h = roots[0];
            ulong storage = heap.Length(h) > 0 ? heap.Slot(h, 0) : W.Nil;
            ulong fill = heap.Length(h) > 1 ? heap.Slot(h, 1) : W.Nil;
            ulong dims = heap.Length(h) > 2 ? heap.Slot(h, 2) : W.Nil;
            bool oneDim = !W.IsCons(dims) || heap.Cdr(dims) == W.Nil;
            if (!oneDim || !W.IsObj(storage)) { Unreadable(); Put("#<ARRAY {"); PutHex(W.Addr(h)); Put("}>"); return; }
            int len = W.IsFixnum(fill) ? (int)W.FixVal(fill) : heap.Length(storage);
            if (len > heap.Length(storage) || len < 0) len = heap.Length(storage);
            ObjType t = heap.TypeOf(storage);
            if (t == ObjType.String8 || t == ObjType.String32) { roots[0] = storage; PrintString(len); return; }
            if (t == ObjType.SimpleVector)
            {
                // print the active elements one by one (atoms inline; nested structure as #<...>)
                roots[2] = storage;
                Put("#(");
                for (int i = 0; i < len; i++)
                {
                    if (opt.Length >= 0 && i >= opt.Length) { Put(i > 0 ? " ..." : "..."); break; }
                    if (i > 0) Put(' ');
                    ulong e = heap.Slot(roots[2], i);
                    if (W.IsCons(e) || IsVector(e)) { Put("#<...>"); Unreadable(); continue; }
                    ulong keep = roots[2];
                    roots[0] = e; PrintAtom(); roots[2] = keep;
                }
                roots[2] = W.Nil;
                Put(')');
                return;
            }
            roots[0] = storage; PrintAtom();
        }

        // ------------------------------------------------------------ characters and strings

        void PrintChar(int code)
        {
            if (!opt.Escape) { Put(code); return; }
            Put("#\\");
            string name = CharSyntax.NameOf(code);
            if (name != null) { Put(name); return; }
            if (code < 32 || (code >= 0x80 && code < 0xA0)) { Put("U+"); PutHex((ulong)code); return; }
            Put(code);
        }

        void PrintString(int n)
        {
            if (opt.Escape) Put('"');
            for (int i = 0; i < n; i++)
            {
                int c = heap.StringChar(roots[0], i);
                if (opt.Escape && (c == '"' || c == '\\')) Put('\\');
                Put(c);
            }
            if (opt.Escape) Put('"');
        }

        // ------------------------------------------------------------ symbols

        void PrintSymbol()
        {
            ulong s = roots[0];
            if (!opt.Escape) { roots[0] = heap.SymbolName(s); PrintString(heap.Length(roots[0])); roots[0] = s; return; }
            ulong pkg = heap.SymbolPackage(s);
            ulong name = heap.SymbolName(s);
            if (pkg == W.Nil) { Put("#:"); }
            else if (pkg == heap.KeywordPackage) Put(':');
            else
            {
                ulong found = heap.FindSymbolNamed(name, opt.Package, out SymbolStatus st);
                if (st == SymbolStatus.None || found != s)
                {
                    heap.FindSymbolNamed(name, pkg, out SymbolStatus home);
                    ulong keep = roots[0];
                    roots[0] = heap.PackageName(pkg);
                    WriteName(false);
                    roots[0] = keep;
                    Put(home == SymbolStatus.External ? ":" : "::");
                }
            }
            roots[0] = heap.SymbolName(roots[0]);
            WriteName(true);
            roots[0] = s;   // s is not used after writing; restore for tidiness only
        }

        /// <summary>Writes the string in roots[0] as a symbol/package name, with |...| if needed.</summary>
        void WriteName(bool checkNumber)
        {
            ulong str = roots[0];
            int n = heap.Length(str);
            bool bars = n == 0;
            bool allDots = true;
            for (int i = 0; i < n && !bars; i++)
            {
                int c = heap.StringChar(str, i);
                if (c != '.') allDots = false;
                if (CharSyntax.IsWhitespace(c) || c == '(' || c == ')' || c == '\'' || c == '"' || c == ';' || c == '`'
                    || c == ',' || c == '|' || c == '\\' || c == ':' || (c == '#' && i == 0) || CharSyntax.IsLowerCase(c) || c < 32)
                    bars = true;
                if (i < nameChars.Length) nameChars[i] = c;
            }
            if (!bars && allDots) bars = true;
            if (!bars && checkNumber && n <= nameChars.Length && NumberSyntax.Matches(nameChars, n, opt.Base)) bars = true;
            if (bars) Put('|');
            for (int i = 0; i < n; i++)
            {
                int c = heap.StringChar(roots[0], i);
                if (bars && (c == '|' || c == '\\')) Put('\\');
                Put(c);
            }
            if (bars) Put('|');
        }
    }
}
