// Why: token collection (with | and \ escapes and case folding), CL potential-number
// parsing (integers in *read-base*, trailing-dot decimals, ratios, floats with exponent
// markers) and symbol parsing with package markers, plus strings and # dispatch.
using LispVm.Gc;
using LispVm.Reader.Numbers;

namespace LispVm.Reader
{
    public sealed unsafe partial class LispReader
    {
        readonly int[] tok;
        readonly bool[] tokEsc;
        int tokLen;
        bool tokAnyEscape;
        readonly byte[] nameBuf, digitBuf;
        readonly int[] strBuf;
        readonly Big mant, den;

        bool AddTok(int c, bool esc, int sl, int sc)
        {
            if (tokLen >= MaxToken)
            {
                Error(ReadErrorKind.TooLarge, sl, sc, "token too long (more than ");
                AppendInt(MaxToken); Append(" characters)");
                return false;
            }
            tok[tokLen] = c; tokEsc[tokLen] = esc; tokLen++;
            return true;
        }

        /// <summary>Collects a token whose first character c was already read.</summary>
        ReadStatus ReadToken(int c, int sl, int sc)
        {
            tokLen = 0; tokAnyEscape = false;
            while (true)
            {
                int b = B(c);
                if (b == '\\')
                {
                    int n = Next();
                    if (n < 0) return EndOfInput("after \\ in token", sl, sc);
                    tokAnyEscape = true;
                    if (!AddTok(n, true, sl, sc)) return ReadStatus.Error;
                }
                else if (b == '|')
                {
                    tokAnyEscape = true;
                    while (true)
                    {
                        int n = Next();
                        if (n < 0) return EndOfInput("inside |...| in symbol", sl, sc);
                        if (B(n) == '|') break;
                        if (B(n) == '\\') { n = Next(); if (n < 0) return EndOfInput("inside |...| in symbol", sl, sc); }
                        if (!AddTok(n, true, sl, sc)) return ReadStatus.Error;
                    }
                }
                else
                {
                    // Whitespace made a constituent, Backspace and Rubout: the standard's
                    // invalid constituent trait.
                    if (suppress == 0 && (c == 8 || c == 127 || CharSyntax.IsWhitespace(c)))
                    { Error(ReadErrorKind.Syntax, sl, sc, "invalid constituent character in token"); return ReadStatus.Error; }
                    int f = opt.Case == 0 ? CharSyntax.Upcase(c) : opt.Case == 1 ? CharSyntax.Downcase(c) : c;
                    if (!AddTok(f, false, sl, sc)) return ReadStatus.Error;
                }
                int p = Peek();
                // The buffer ended inside what may be a longer token (input arriving in
                // pieces): wait for more rather than cut `:foo-` + `bar` into two tokens.
                if (p < 0 && !src.AtRealEnd) return ReadStatus.NeedMore;
                if (Term(p)) break;
                c = Next();
            }
            if (opt.Case == 3) InvertToken();
            return ReadStatus.Ok;
        }

        /// <summary>:INVERT: a token whose unescaped letters are all one case gets the other.</summary>
        void InvertToken()
        {
            bool upper = false, lower = false;
            for (int i = 0; i < tokLen; i++)
            {
                if (tokEsc[i]) continue;
                if (CharSyntax.IsLowerCase(tok[i])) lower = true;
                else if (CharSyntax.Downcase(tok[i]) != tok[i]) upper = true;
            }
            if (upper == lower) return;
            for (int i = 0; i < tokLen; i++)
                if (!tokEsc[i]) tok[i] = upper ? CharSyntax.Downcase(tok[i]) : CharSyntax.Upcase(tok[i]);
        }

        bool IsDotToken() => !tokAnyEscape && tokLen == 1 && tok[0] == '.';

        ReadStatus InterpretToken(int sl, int sc, out ulong value)
        {
            value = W.Nil;
            if (!tokAnyEscape)
            {
                bool allDots = true;
                for (int i = 0; i < tokLen; i++) if (tok[i] != '.') { allDots = false; break; }
                if (allDots) { Error(ReadErrorKind.Syntax, sl, sc, "too many dots"); return ReadStatus.Error; }
                int r = ParseNumber(0, tokLen, opt.ReadBase, true, out value);
                if (r == 1) return ReadStatus.Ok;
                if (r < 0) return ReadStatus.Error;
            }
            return ParseSymbol(sl, sc, out value);
        }

        // ------------------------------------------------------------ numbers

        bool IsDigit(int c, int radix)
        {
            int v = BigArith.DigitValue(c);
            return v >= 0 && v < radix;
        }

        /// <summary>1 = a number (value set), 0 = not number syntax, -1 = error reported.</summary>
        int ParseNumber(int start, int end, int radix, bool allowFloat, out ulong value)
        {
            value = W.Nil;
            int i = start;
            bool neg = false;
            if (i < end && (tok[i] == '+' || tok[i] == '-')) { neg = tok[i] == '-'; i++; }
            if (i >= end) return 0;
            // integer in radix
            int j = i;
            while (j < end && IsDigit(tok[j], radix)) j++;
            if (j == end && j > i) return MakeInteger(i, end, radix, neg, out value);
            // decimal integer with trailing dot
            if (allowFloat && j == end - 1 && tok[j] == '.' && j > i)
            {
                int k = i; while (k < j && IsDigit(tok[k], 10)) k++;
                if (k == j) return MakeInteger(i, j, 10, neg, out value);
            }
            // ratio
            if (j > i && j < end && tok[j] == '/')
            {
                int k = j + 1;
                while (k < end && IsDigit(tok[k], radix)) k++;
                if (k == end && k > j + 1) return MakeRatio(i, j, j + 1, end, radix, neg, out value);
                return 0;
            }
            if (!allowFloat) return 0;
            return ParseFloat(i, end, neg, out value);
        }

        int CopyDigits(int from, int to, int at)
        {
            for (int k = from; k < to; k++) digitBuf[at++] = (byte)tok[k];
            return at;
        }

        int MakeInteger(int from, int to, int radix, bool neg, out ulong value)
        {
            int n = CopyDigits(from, to, 0);
            NumStatus st = num.Ar.FromDigits(digitBuf, 0, n, radix, neg, mant);
            if (st != NumStatus.Ok) { value = W.Nil; return NumberError(st); }
            value = num.MakeInteger(mant);
            return 1;
        }

        int MakeRatio(int nFrom, int nTo, int dFrom, int dTo, int radix, bool neg, out ulong value)
        {
            value = W.Nil;
            int n = CopyDigits(nFrom, nTo, 0);
            NumStatus st = num.Ar.FromDigits(digitBuf, 0, n, radix, neg, mant);
            if (st != NumStatus.Ok) return NumberError(st);
            n = CopyDigits(dFrom, dTo, 0);
            st = num.Ar.FromDigits(digitBuf, 0, n, radix, false, den);
            if (st != NumStatus.Ok) return NumberError(st);
            if (den.IsZero) { Error(ReadErrorKind.Syntax, Line, Column, "division by zero in ratio "); AppendToken(); return -1; }
            ulong nw = num.MakeInteger(mant);
            int mark = heap.RootMark(); int a = heap.PushRoot(nw);
            ulong dw = num.MakeInteger(den);
            nw = heap.Root(a); heap.PopRoots(mark);
            st = num.Div(nw, dw, out value);
            if (st != NumStatus.Ok) return NumberError(st);
            return 1;
        }

        int NumberError(NumStatus st)
        {
            Error(st == NumStatus.TooLarge ? ReadErrorKind.TooLarge : ReadErrorKind.Syntax, Line, Column,
                st == NumStatus.TooLarge ? "number too large: " : st == NumStatus.FloatOverflow ? "floating-point number too large: " : "bad number: ");
            AppendToken();
            return -1;
        }

        static bool IsExpMarker(int c) => c == 'E' || c == 'S' || c == 'F' || c == 'D' || c == 'L';

        int ParseFloat(int i, int end, bool neg, out ulong value)
        {
            value = W.Nil;
            int nd = 0, intDigits = 0, fracDigits = 0;
            int k = i;
            while (k < end && tok[k] >= '0' && tok[k] <= '9') { digitBuf[nd++] = (byte)tok[k]; k++; intDigits++; }
            bool dot = false;
            if (k < end && tok[k] == '.')
            {
                dot = true; k++;
                while (k < end && tok[k] >= '0' && tok[k] <= '9') { digitBuf[nd++] = (byte)tok[k]; k++; fracDigits++; }
            }
            if (intDigits + fracDigits == 0) return 0;
            int marker = 0; long exp = 0;
            if (k < end)
            {
                if (!IsExpMarker(CharSyntax.Upcase(tok[k]))) return 0;   // lower case under :preserve
                marker = CharSyntax.Upcase(tok[k]); k++;
                bool eneg = false;
                if (k < end && (tok[k] == '+' || tok[k] == '-')) { eneg = tok[k] == '-'; k++; }
                if (k >= end) return 0;
                while (k < end)
                {
                    if (tok[k] < '0' || tok[k] > '9') return 0;
                    if (exp < 100000000) exp = exp * 10 + (tok[k] - '0');
                    k++;
                }
                if (eneg) exp = -exp;
            }
            else if (!dot || fracDigits == 0) return 0;   // "1." is an integer (handled earlier); ".e" never here
            bool dbl = marker == 'D' || marker == 'L' || ((marker == 0 || marker == 'E') && opt.DefaultDouble);
            NumStatus st = num.Ar.FromDigits(digitBuf, 0, nd, 10, false, mant);
            if (st != NumStatus.Ok) return NumberError(st);
            st = num.Conv.DecimalToIeee(mant, exp - fracDigits, dbl ? IeeeFormat.Double : IeeeFormat.Single, out ulong bits);
            if (st != NumStatus.Ok) return NumberError(st);
            if (neg) bits |= dbl ? 1UL << 63 : 1UL << 31;
            value = dbl ? NumObj.MakeDoubleBits(heap, bits) : W.MakeSingleBits((uint)bits);
            return 1;
        }

        // ------------------------------------------------------------ symbols

        ReadStatus ParseSymbol(int sl, int sc, out ulong value)
        {
            value = W.Nil;
            int first = -1, count = 0, second = -1;
            for (int i = 0; i < tokLen; i++)
                if (tok[i] == ':' && !tokEsc[i]) { count++; if (first < 0) first = i; else if (second < 0) second = i; }
            if (count == 0)
            {
                ulong pkg = keywordMode > 0 ? KeywordPackage : opt.Package;
                value = InternName(0, tokLen, pkg);
                return ReadStatus.Ok;
            }
            if (first == 0 && (count == 1 || (count == 2 && second == 1)))
            {
                int s = count == 1 ? 1 : 2;
                // :|| is the keyword whose name is empty (the escape is what makes it a name)
                if (s >= tokLen && !tokAnyEscape) { Error(ReadErrorKind.Syntax, sl, sc, "missing symbol name after :"); return ReadStatus.Error; }
                value = InternName(s, tokLen, KeywordPackage);
                return ReadStatus.Ok;
            }
            bool internal_ = count == 2 && second == first + 1;
            if (count > 2 || (count == 2 && !internal_))
            { Error(ReadErrorKind.Syntax, sl, sc, "too many package markers in "); AppendToken(); return ReadStatus.Error; }
            int nameStart = internal_ ? first + 2 : first + 1;
            if (nameStart >= tokLen && !tokAnyEscape)
            { Error(ReadErrorKind.Syntax, sl, sc, "missing symbol name after package marker in "); AppendToken(); return ReadStatus.Error; }
            ulong p = FindPackageNamed(0, first);
            if (p == W.Nil)
            {
                Error(ReadErrorKind.Package, sl, sc, "package ");
                AppendChars(0, first); Append(" not found");
                return ReadStatus.Error;
            }
            if (internal_ || p == KeywordPackage) { value = InternName(nameStart, tokLen, p); return ReadStatus.Ok; }
            SymbolStatus how;
            value = FindName(nameStart, tokLen, p, out how);
            if (how == SymbolStatus.External) return ReadStatus.Ok;
            Error(ReadErrorKind.Package, sl, sc, "symbol ");
            AppendChars(nameStart, tokLen);
            Append(how == SymbolStatus.None ? " not found in package " : " is not external in package ");
            AppendChars(0, first);
            return ReadStatus.Error;
        }

        // ------------------------------------------------------------ strings

        ReadStatus ReadString(int sl, int sc, out ulong value)
        {
            value = W.Nil;
            int n = 0; bool wide = false;
            while (true)
            {
                int c = Next();
                if (c < 0) return EndOfInput("inside string", sl, sc);
                if (c == '"') break;
                if (c == '\\') { c = Next(); if (c < 0) return EndOfInput("inside string", sl, sc); }
                if (n >= MaxString)
                {
                    Error(ReadErrorKind.TooLarge, sl, sc, "string too long (more than ");
                    AppendInt(MaxString); Append(" characters)");
                    return ReadStatus.Error;
                }
                if (c > 0xFF) wide = true;
                strBuf[n++] = c;
            }
            if (suppress > 0) return ReadStatus.Ok;
            value = MakeLispString(strBuf, 0, n, wide);
            return ReadStatus.Ok;
        }

        ulong MakeLispString(int[] chars, int start, int n, bool wide)
        {
            ulong s = heap.MakeStringN(n, wide);
            byte* p = heap.RawData(s);
            if (wide) { uint* q = (uint*)p; for (int i = 0; i < n; i++) q[i] = (uint)chars[start + i]; }
            else for (int i = 0; i < n; i++) p[i] = (byte)chars[start + i];
            return s;
        }

        // ------------------------------------------------------------ # dispatch

        ReadStatus Dispatch(int sl, int sc, out ulong value, out bool have)
        {
            value = W.Nil; have = false;
            int c = Next();
            long arg = -1;
            while (c >= '0' && c <= '9')
            {
                if (arg < 0) arg = 0;
                if (arg < 1000000) arg = arg * 10 + (c - '0');
                c = Next();
            }
            if (c < 0) return EndOfInput("after #", sl, sc);
            if (opt.SharpUser != null && opt.MacroHook != null && c < 128 && opt.SharpUser[CharSyntax.Upcase(c)] != 0)
            {   // a function from SET-DISPATCH-MACRO-CHARACTER
                if (!opt.MacroHook.ReadSharpMacro(c, arg, out value, out have))
                { Error(ReadErrorKind.Eval, sl, sc, "error in the function of the dispatch macro #"); AppendCode(c); return ReadStatus.Error; }
                if (suppress > 0) value = W.Nil;
                return ReadStatus.Ok;
            }
            switch (c)
            {
                case '|':
                    {
                        int level = 1, prev = 0;
                        while (level > 0)
                        {
                            int e = Next();
                            if (e < 0) return EndOfInput("inside #| comment", sl, sc);
                            if (prev == '|' && e == '#') { level--; e = 0; }
                            else if (prev == '#' && e == '|') { level++; e = 0; }
                            prev = e;
                        }
                        return ReadStatus.Ok;
                    }
                case '\'': return PushWrap(SymFunction, sl, sc) ? ReadStatus.Ok : ReadStatus.Error;
                case '(': return Push(KVector, sl, sc) ? ReadStatus.Ok : ReadStatus.Error;
                case '.': return Push(KEval, sl, sc) ? ReadStatus.Ok : ReadStatus.Error;
                case '+':
                case '-':
                    if (!Push(KFeature, sl, sc)) return ReadStatus.Error;
                    fVal[depth - 1] = W.Fix(c == '+' ? 1 : 0);
                    keywordMode++;
                    return ReadStatus.Ok;
                case '\\': have = true; return ReadCharacter(sl, sc, out value);
                case ':':
                    {
                        int f = Next();
                        if (f < 0) return EndOfInput("after #:", sl, sc);
                        ReadStatus s = ReadToken(f, sl, sc);
                        if (s != ReadStatus.Ok) return s;
                        have = true;
                        if (suppress > 0) return ReadStatus.Ok;
                        for (int i = 0; i < tokLen; i++)
                            if (tok[i] == ':' && !tokEsc[i]) { Error(ReadErrorKind.Syntax, sl, sc, "package marker in #: symbol "); AppendToken(); return ReadStatus.Error; }
                        value = heap.MakeSymbol(MakeLispString(tok, 0, tokLen, TokWide()));
                        return ReadStatus.Ok;
                    }
                case 'b': case 'B': return ReadRadix(2, sl, sc, out value, out have);
                case 'o': case 'O': return ReadRadix(8, sl, sc, out value, out have);
                case 'x': case 'X': return ReadRadix(16, sl, sc, out value, out have);
                case 'r': case 'R':
                    if (arg < 2 || arg > 36)
                    { Error(ReadErrorKind.Syntax, sl, sc, "radix for #r must be between 2 and 36"); return ReadStatus.Error; }
                    return ReadRadix((int)arg, sl, sc, out value, out have);
                case '*': have = true; return ReadBitVector(sl, sc, out value);
                case 'p': case 'P': case 's': case 'S': case 'a': case 'A': case 'c': case 'C':
                    if (!Push(KSharp, sl, sc)) return ReadStatus.Error;
                    fState[depth - 1] = (byte)(c & ~0x20);
                    fVal[depth - 1] = arg >= 0 ? W.Fix(arg) : W.Nil;
                    return ReadStatus.Ok;
                case '=':
                    {
                        if (arg < 0) { Error(ReadErrorKind.Syntax, sl, sc, "#= needs a label number, as in #1="); return ReadStatus.Error; }
                        if (!Push(KLabel, sl, sc)) return ReadStatus.Error;
                        if (suppress > 0) return ReadStatus.Ok;
                        if (scratch[2] == W.Nil) scratch[2] = heap.MakeHashTable(HashTest.Eql, 8);
                        if (heap.HashGet(scratch[2], W.Fix(arg), out _))
                        { Error(ReadErrorKind.Syntax, sl, sc, "label #"); AppendInt(arg); Append("= defined twice"); return ReadStatus.Error; }
                        ulong ph = heap.Cons(syms[SymLabelMarker], W.Fix(arg));
                        fVal[depth - 1] = ph;
                        heap.HashPut(scratch[2], W.Fix(arg), fVal[depth - 1]);
                        return ReadStatus.Ok;
                    }
                case '#':
                    {
                        have = true;
                        if (suppress > 0) return ReadStatus.Ok;
                        if (arg < 0 || scratch[2] == W.Nil || !heap.HashGet(scratch[2], W.Fix(arg), out value))
                        {
                            Error(ReadErrorKind.Syntax, sl, sc, "undefined label #");
                            if (arg >= 0) AppendInt(arg);
                            Append("#");
                            return ReadStatus.Error;
                        }
                        return ReadStatus.Ok;
                    }
                default:
                    Error(ReadErrorKind.Syntax, sl, sc, "unknown dispatch character #");
                    AppendCode(c);
                    return ReadStatus.Error;
            }
        }

        /// <summary>#C(real imag): the list read after #C becomes a complex (a rational
        /// when imag is a rational zero, CLHS 2.4.8.11 and 12.1.5.3).</summary>
        bool ReadComplex(ulong list, int line, int col, out ulong value)
        {
            value = W.Nil;
            ulong re = W.IsCons(list) ? heap.Car(list) : W.Nil;
            ulong rest = W.IsCons(list) ? heap.Cdr(list) : W.Nil;
            ulong im = W.IsCons(rest) ? heap.Car(rest) : W.Nil;
            NumKind kr = NumObj.Kind(re), ki = NumObj.Kind(im);
            if (!W.IsCons(rest) || heap.Cdr(rest) != W.Nil || kr == NumKind.NotNumber || kr == NumKind.Complex
                || ki == NumKind.NotNumber || ki == NumKind.Complex)
            {
                Error(ReadErrorKind.Syntax, line, col, "#C needs a list of two reals, as in #C(1 2)");
                return false;
            }
            if (num.MakeComplex(re, im, out value) != NumStatus.Ok)
            {
                Error(ReadErrorKind.Syntax, line, col, "#C: a part is too large for the other part's float format");
                return false;
            }
            return true;
        }

        bool TokWide()
        {
            for (int i = 0; i < tokLen; i++) if (tok[i] > 0xFF) return true;
            return false;
        }

        ReadStatus ReadRadix(int radix, int sl, int sc, out ulong value, out bool have)
        {
            value = W.Nil; have = true;
            int c = Next();
            if (c < 0) return EndOfInput("after #", sl, sc);
            ReadStatus s = ReadToken(c, sl, sc);
            if (s != ReadStatus.Ok) return s;
            if (suppress > 0) return ReadStatus.Ok;
            int r = tokAnyEscape ? 0 : ParseNumber(0, tokLen, radix, false, out value);
            if (r == 1) return ReadStatus.Ok;
            if (r == 0) { Error(ReadErrorKind.Syntax, sl, sc, "bad number after #: "); AppendToken(); }
            return ReadStatus.Error;
        }

        ReadStatus ReadBitVector(int sl, int sc, out ulong value)
        {
            value = W.Nil;
            tokLen = 0;
            while (!Term(Peek()))
            {
                int c = Next();
                if (c != '0' && c != '1')
                { if (suppress > 0) continue; Error(ReadErrorKind.Syntax, sl, sc, "bad bit in #* bit vector: "); AppendCode(c); return ReadStatus.Error; }
                if (!AddTok(c, false, sl, sc)) return ReadStatus.Error;
            }
            if (suppress > 0) return ReadStatus.Ok;
            value = heap.AllocRaw(ObjType.BitVector, tokLen);
            byte* p = heap.RawData(value);
            for (int i = 0; i < tokLen; i++) if (tok[i] == '1') p[i >> 3] |= (byte)(1 << (i & 7));
            return ReadStatus.Ok;
        }

        ReadStatus ReadCharacter(int sl, int sc, out ulong value)
        {
            value = W.Nil;
            int c = Next();
            if (c < 0) return EndOfInput("after #\\", sl, sc);
            tokLen = 0;
            tok[tokLen++] = c;
            while (!Term(Peek()))
            {
                int d = Next();
                if (!AddTok(d, false, sl, sc)) return ReadStatus.Error;
            }
            if (suppress > 0) return ReadStatus.Ok;
            if (tokLen == 1) { value = W.MakeChar(c); return ReadStatus.Ok; }
            for (int n = 0; n < CharSyntax.Names.Length; n++)
            {
                string nm = CharSyntax.Names[n];
                if (nm.Length != tokLen) continue;
                bool eq = true;
                for (int i = 0; i < tokLen; i++) if (CharSyntax.Upcase(nm[i]) != CharSyntax.Upcase(tok[i])) { eq = false; break; }
                if (eq) { value = W.MakeChar(CharSyntax.Codes[n]); return ReadStatus.Ok; }
            }
            // U+41, u41, x41: hexadecimal code point
            int h = 1;
            int u = CharSyntax.Upcase(tok[0]);
            if ((u == 'U' || u == 'X') && tokLen > 1)
            {
                if (u == 'U' && tok[1] == '+') h = 2;
                long code = 0; bool ok = h < tokLen;
                for (int i = h; i < tokLen; i++)
                {
                    int dv = BigArith.DigitValue(tok[i]);
                    if (dv < 0 || dv >= 16 || code > 0x10FFFF) { ok = false; break; }
                    code = code * 16 + dv;
                }
                if (ok && code <= 0x10FFFF) { value = W.MakeChar((int)code); return ReadStatus.Ok; }
            }
            Error(ReadErrorKind.Syntax, sl, sc, "unknown character name #\\");
            AppendChars(0, tokLen);
            return ReadStatus.Error;
        }
    }
}
