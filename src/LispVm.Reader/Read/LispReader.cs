// Why: the Lisp reader as a loop over an explicit frame stack (no C# recursion on
// nesting, so 100,000 nested parentheses are just 100,000 frames). Frame values live in
// arrays this object reports as GC roots. Backquote choice: `x reads as
// (QUASIQUOTE x), ,x as (UNQUOTE x), ,@x as (UNQUOTE-SPLICING x); the three symbols live
// in the system package (see SymbolOps) and the compiler's QUASIQUOTE macro expands them.
using LispVm.Gc;
using LispVm.Reader.Numbers;

namespace LispVm.Reader
{
    public sealed unsafe partial class LispReader : IGcRoots
    {
        readonly Heap heap;
        readonly Num num;
        public readonly int MaxDepth, MaxToken, MaxString;

        const byte KList = 1, KVector = 2, KWrap = 3, KEval = 4, KFeature = 5, KLabel = 6, KSharp = 7;
        // Frame stack: parallel arrays reserved for MaxDepth levels, committed as deep as
        // used (GrowableArrays on the heap's frame source).
        readonly GrowableArrays frames;
        readonly byte* fKind, fState;
        readonly bool* fSuppress;
        readonly int* fLine, fCol;
        readonly ulong* fAcc, fVal;      // GC roots (only [0, depth) are live); fVal is a list's dotted tail,
                                          // a wrapper's symbol or a feature frame's sign
        int depth;
        int baseDepth;         // the frames below belong to the reads a ReadNested interrupted
        int nested;            // ReadNested levels now running (C# recursion: bounded by MaxNested)
        public const int MaxNested = 32;
        // GC roots: 0-1 list building; 2 #n= label table; 3-7 label patching (stack, visited,
        // current object, placeholder, value)
        readonly ulong[] scratch = new ulong[8];

        int suppress, keywordMode;
        IReadSource src;
        ReadOptions opt;

        /// <summary>Position of the next character (1-based); the VM may set them per stream.</summary>
        public int Line = 1, Column = 1;

        public ReadErrorKind ErrorKind;
        public readonly byte[] ErrorText = new byte[600];   // UTF-8 message of the last Error
        public int ErrorLength, ErrorLine, ErrorColumn;

        public LispReader(Heap heap, Num num, int maxDepth = 1 << 17, int maxToken = 4096, int maxString = 1 << 16)
        {
            this.heap = heap; this.num = num;
            MaxToken = maxToken; MaxString = maxString;
            frames = new GrowableArrays(heap.Frames, maxDepth, 1, 1, 1, 4, 4, 8, 8);
            MaxDepth = frames.MaxCount;
            fKind = (byte*)frames.Base(0); fState = (byte*)frames.Base(1); fSuppress = (bool*)frames.Base(2);
            fLine = (int*)frames.Base(3); fCol = (int*)frames.Base(4);
            fAcc = (ulong*)frames.Base(5); fVal = (ulong*)frames.Base(6);
            tok = new int[maxToken]; tokEsc = new bool[maxToken];
            nameBuf = new byte[maxToken * 4 + 16];
            strBuf = new int[maxString];
            digitBuf = new byte[maxToken];
            mant = num.Ar.NewRegister(); den = num.Ar.NewRegister();
            for (int i = 0; i < scratch.Length; i++) scratch[i] = W.Nil;
            for (int i = 0; i < syms.Length; i++) syms[i] = W.Nil;
            heap.AddRoots(this);
            InitSymbols();
        }

        public void VisitRoots(Heap h)
        {
            for (int i = 0; i < depth; i++) { h.VisitRoot(ref fAcc[i]); h.VisitRoot(ref fVal[i]); }
            for (int i = 0; i < scratch.Length; i++) h.VisitRoot(ref scratch[i]);
            for (int i = 0; i < syms.Length; i++) h.VisitRoot(ref syms[i]);
            if (opt.Package != 0) h.VisitRoot(ref opt.Package);
            if (opt.Features != 0) h.VisitRoot(ref opt.Features);
        }

        // ------------------------------------------------------------ characters

        int Next()
        {
            int c = src.Read();
            if (c == '\n') { Line++; Column = 1; }
            else if (c >= 0) Column++;
            return c;
        }

        int Peek() => src.Peek();

        /// <summary>c ends a token: whitespace, a standard terminating macro character (as
        /// Behave maps it) or a terminating macro character of SET-MACRO-CHARACTER.</summary>
        bool Term(int c) => CharSyntax.IsTerminator(B(c)) || (opt.Macro != null && c >= 0 && c < 128 && opt.Macro[c] == 1);

        /// <summary>The standard character whose syntax c has in the current readtable.</summary>
        int B(int c)
        {
            if (c < 0 || c >= 128 || opt.Behave == null) return c;
            int b = opt.Behave[c];
            return b == 0 ? c : b;
        }

        // ------------------------------------------------------------ frames

        bool Push(byte kind, int line, int col)
        {
            if (depth >= MaxDepth || !frames.Ensure(depth + 1))
            {
                Error(ReadErrorKind.TooDeep, line, col, "form nested too deeply (more than ");
                AppendInt(MaxDepth); Append(" levels)");
                return false;
            }
            fKind[depth] = kind; fState[depth] = 0; fSuppress[depth] = false;
            fLine[depth] = line; fCol[depth] = col;
            fAcc[depth] = W.Nil; fVal[depth] = W.Nil;
            depth++;
            return true;
        }

        void Pop() { depth--; fAcc[depth] = W.Nil; fVal[depth] = W.Nil; }

        // ------------------------------------------------------------ main loop

        /// <summary>Reads one object. On Ok, value is the object; see ReadStatus for the rest.</summary>
        public ReadStatus Read(IReadSource source, ReadOptions options, out ulong value)
        {
            src = source; opt = options;
            if (opt.ReadBase < 2 || opt.ReadBase > 36) opt.ReadBase = 10;
            depth = 0; baseDepth = 0; nested = 0; suppress = opt.Suppress ? 1 : 0; keywordMode = 0;
            ErrorKind = ReadErrorKind.None; ErrorLength = 0;
            ReadStatus st = Loop(out value);
            while (depth > 0) Pop();
            for (int i = 0; i < scratch.Length; i++) scratch[i] = W.Nil;
            src = null; opt.Package = 0; opt.Features = 0; opt.EvalHook = null;
            if (st != ReadStatus.Ok) value = W.Nil;
            return st;
        }

        /// <summary>READ from inside a macro character's function (IReadMacroHook): reads one
        /// object on the frames above the interrupted read's, then gives that read back its
        /// source, options and state. The #n= labels are shared (READ's recursive-p).</summary>
        public ReadStatus ReadNested(IReadSource source, ReadOptions options, out ulong value)
        {
            value = W.Nil;
            if (nested >= MaxNested)
            {
                ErrorKind = ReadErrorKind.TooDeep; ErrorLength = 0;
                Error(ReadErrorKind.TooDeep, Line, Column, "reader macro functions nested too deeply");
                return ReadStatus.Error;
            }
            IReadSource savedSrc = src; ReadOptions saved = opt;
            int savedBase = baseDepth, savedSuppress = suppress, savedKw = keywordMode;
            // The interrupted read's package and features stay GC roots while this one runs.
            int rm = heap.RootMark(); int rp = heap.PushRoot(saved.Package == 0 ? W.Nil : saved.Package);
            int rf = heap.PushRoot(saved.Features == 0 ? W.Nil : saved.Features);
            nested++;
            src = source; opt = options;
            if (opt.ReadBase < 2 || opt.ReadBase > 36) opt.ReadBase = 10;
            baseDepth = depth; suppress = opt.Suppress ? 1 : 0; keywordMode = 0;
            ErrorKind = ReadErrorKind.None; ErrorLength = 0;
            ReadStatus st = Loop(out value);
            while (depth > baseDepth) Pop();
            nested--;
            saved.Package = saved.Package == 0 ? 0 : heap.Root(rp);
            saved.Features = saved.Features == 0 ? 0 : heap.Root(rf);
            heap.PopRoots(rm);
            src = savedSrc; opt = saved;
            baseDepth = savedBase; suppress = savedSuppress; keywordMode = savedKw;
            if (st != ReadStatus.Ok) value = W.Nil;
            return st;
        }

        /// <summary>The Lisp function of macro character c (user-defined): deliver its value,
        /// or nothing when it returned no values.</summary>
        ReadStatus CallMacro(int c, int sl, int sc, out ulong value, out bool have)
        {
            if (!opt.MacroHook.ReadMacro(c, out value, out have))
            {
                Error(ReadErrorKind.Eval, sl, sc, "error in the function of the macro character ");
                AppendCode(c);
                return ReadStatus.Error;
            }
            if (suppress > 0) value = W.Nil;
            return ReadStatus.Ok;
        }

        ReadStatus EndOfInput(string what, int line, int col)
        {
            if (!src.AtRealEnd) return ReadStatus.NeedMore;
            Error(ReadErrorKind.EndOfFile, Line, Column, "end of file ");
            Append(what);
            if (line > 0) { Append(" starting at "); AppendInt(line); Append(":"); AppendInt(col); }
            return ReadStatus.Error;
        }

        ReadStatus Loop(out ulong value)
        {
            value = W.Nil;
            while (true)
            {
                // ---- find the start of the next object
                int c = Next();
                if (c < 0)
                {
                    if (depth == baseDepth) return ReadStatus.Eof;
                    int d = depth - 1;
                    string what = fKind[d] == KList ? "inside list" : fKind[d] == KVector ? "inside vector"
 : fKind[d] == KLabel ? "after #n="
                        : fKind[d] == KFeature ? "after #+/#- " : fKind[d] == KEval ? "after #."
                        : fKind[d] == KSharp ? "after # syntax" : "after quote character";
                    return EndOfInput(what, fLine[d], fCol[d]);
                }
                int b = B(c);
                if (CharSyntax.IsWhitespace(b)) continue;
                int sl = Line, sc = Column - 1;   // position of c
                bool have = false;   // an object was completed into `value`
                if (opt.Macro != null && c < 128 && opt.Macro[c] != 0 && opt.MacroHook != null)
                {   // SET-MACRO-CHARACTER's function, before the standard syntax
                    ReadStatus ms = CallMacro(c, sl, sc, out value, out have);
                    if (ms != ReadStatus.Ok) return ms;
                    if (!have) continue;
                    b = -2;   // deliver below
                }
                if (b == ';') { while (true) { int e = Next(); if (e < 0 || e == '\n') break; } continue; }
                switch (b)
                {
                    case -2: break;
                    case '(':
                        if (!Push(KList, sl, sc)) return ReadStatus.Error;
                        continue;
                    case ')':
                        {
                            if (depth == baseDepth || (fKind[depth - 1] != KList && fKind[depth - 1] != KVector))
                            { Error(ReadErrorKind.Syntax, sl, sc, "unexpected )"); return ReadStatus.Error; }
                            int d = depth - 1;
                            if (fKind[d] == KList && fState[d] == 1)
                            { Error(ReadErrorKind.Syntax, sl, sc, "nothing after . in list starting at "); AppendPos(fLine[d], fCol[d]); return ReadStatus.Error; }
                            if (!FinishSequence(out value)) return ReadStatus.Error;
                            have = true;
                            break;
                        }
                    case '\'': if (!PushWrap(SymQuote, sl, sc)) return ReadStatus.Error; continue;
                    case '`': if (!PushWrap(SymQuasi, sl, sc)) return ReadStatus.Error; continue;
                    case ',':
                        {
                            int p = Peek();
                            if (p == '@' || p == '.') { Next(); if (!PushWrap(SymUnquoteSplicing, sl, sc)) return ReadStatus.Error; }
                            else if (!PushWrap(SymUnquote, sl, sc)) return ReadStatus.Error;
                            continue;
                        }
                    case '"':
                        {
                            ReadStatus s = ReadString(sl, sc, out value);
                            if (s != ReadStatus.Ok) return s;
                            have = true;
                            break;
                        }
                    case '#':
                        {
                            ReadStatus s = Dispatch(sl, sc, out value, out have);
                            if (s != ReadStatus.Ok) return s;
                            if (!have) continue;
                            break;
                        }
                    default:
                        {
                            ReadStatus s = ReadToken(c, sl, sc);
                            if (s != ReadStatus.Ok) return s;
                            if (suppress > 0) { value = W.Nil; have = true; break; }
                            if (IsDotToken())
                            {
                                int d = depth - 1;
                                if (depth == baseDepth || fKind[d] != KList)
                                { Error(ReadErrorKind.Syntax, sl, sc, "dot context error: . outside a list"); return ReadStatus.Error; }
                                if (fState[d] != 0) { Error(ReadErrorKind.Syntax, sl, sc, "too many dots"); return ReadStatus.Error; }
                                if (fAcc[d] == W.Nil) { Error(ReadErrorKind.Syntax, sl, sc, "nothing before . in list"); return ReadStatus.Error; }
                                fState[d] = 1;
                                continue;
                            }
                            s = InterpretToken(sl, sc, out value);
                            if (s != ReadStatus.Ok) return s;
                            have = true;
                            break;
                        }
                }
                // ---- deliver the completed object to the enclosing frames
                while (have)
                {
                    if (depth == baseDepth) return ReadStatus.Ok;
                    int d = depth - 1;
                    switch (fKind[d])
                    {
                        case KList:
                            if (fState[d] == 0) { fAcc[d] = heap.Cons(value, fAcc[d]); have = false; }
                            else if (fState[d] == 1) { fVal[d] = value; fState[d] = 2; have = false; }
                            else
                            {
                                Error(ReadErrorKind.Syntax, sl, sc, "more than one object after . in list starting at ");
                                AppendPos(fLine[d], fCol[d]);
                                return ReadStatus.Error;
                            }
                            break;
                        case KVector:
                            fAcc[d] = heap.Cons(value, fAcc[d]); have = false;
                            break;
                        case KWrap:
                            {
                                ulong inner = heap.Cons(value, W.Nil);
                                value = heap.Cons(fVal[d], inner);
                                Pop();
                                if (suppress > 0) value = W.Nil;
                                break;
                            }
                        case KEval:
                            {
                                int el = fLine[d], ec = fCol[d];
                                Pop();
                                if (suppress > 0) { value = W.Nil; break; }
                                if (!opt.ReadEval)
                                { Error(ReadErrorKind.Syntax, el, ec, "#. is not allowed: *read-eval* is false"); return ReadStatus.Error; }
                                if (opt.EvalHook == null || !opt.EvalHook.ReadEval(value, out value))
                                { Error(ReadErrorKind.Eval, el, ec, "error while evaluating the #. form"); return ReadStatus.Error; }
                                break;
                            }
                        case KSharp:
                            {
                                // #P #S #A #C: the Lisp side builds the object from what was read,
                                // (sharp-fn 'object code arg) through the eval hook.
                                int el = fLine[d], ec = fCol[d];
                                int code = fState[d];
                                ulong arg = fVal[d];
                                Pop();
                                if (suppress > 0) { value = W.Nil; break; }
                                if (code == 'C')
                                {
                                    if (!ReadComplex(value, el, ec, out value)) return ReadStatus.Error;
                                    break;
                                }
                                if (opt.EvalHook == null || syms[SymSharp] == W.Nil)
                                { Error(ReadErrorKind.Syntax, el, ec, "this # syntax is only read from streams"); return ReadStatus.Error; }
                                // Allocation may collect: the object and the tail stay in roots.
                                int rm = heap.RootMark(); int rv = heap.PushRoot(value);
                                ulong form = heap.Cons(arg, W.Nil);
                                form = heap.Cons(W.Fix(code), form);
                                int rt = heap.PushRoot(form);
                                ulong q = heap.Cons(heap.Root(rv), W.Nil);
                                q = heap.Cons(syms[SymQuote], q);
                                form = heap.Root(rt); heap.PopRoots(rm);
                                form = heap.Cons(q, form);
                                form = heap.Cons(syms[SymSharp], form);
                                if (!opt.EvalHook.ReadEval(form, out value))
                                { Error(ReadErrorKind.Eval, el, ec, "error while building the object of # syntax"); return ReadStatus.Error; }
                                break;
                            }
                        case KLabel:
                            {
                                int el = fLine[d], ec = fCol[d];
                                ulong ph = fVal[d];
                                Pop();
                                if (suppress > 0) break;
                                if (value == ph) { Error(ReadErrorKind.Syntax, el, ec, "#n= label refers only to itself"); return ReadStatus.Error; }
                                scratch[6] = ph; scratch[7] = value;
                                heap.HashPut(scratch[2], heap.Cdr(scratch[6]), scratch[7]);
                                PatchPlaceholder();
                                value = scratch[7];
                                scratch[6] = W.Nil; scratch[7] = W.Nil;
                                break;
                            }
                        case KFeature:
                            if (fState[d] == 0)
                            {
                                keywordMode--;
                                bool skip;
                                if (suppress > 0) skip = true;
                                else
                                {
                                    int r = FeatureTrue(value, 0);
                                    if (r < 0) { Error(ReadErrorKind.Syntax, fLine[d], fCol[d], "bad feature expression"); return ReadStatus.Error; }
                                    bool want = fVal[d] == W.Fix(1);
                                    skip = (r == 1) != want;
                                }
                                if (skip) { suppress++; fSuppress[d] = true; }
                                fState[d] = 1;
                                have = false;
                            }
                            else
                            {
                                bool dropped = fSuppress[d];
                                Pop();
                                if (dropped) { suppress--; have = false; }
                            }
                            break;
                    }
                }
            }
        }

        bool IsContainer(ulong x) => W.IsCons(x) || (W.IsObj(x) && heap.TypeOf(x) == ObjType.SimpleVector);

        /// <summary>Replaces the #n= placeholder (scratch[6]) by the labelled object
        /// (scratch[7]) everywhere inside that object; explicit stack, eq visited table.</summary>
        void PatchPlaceholder()
        {
            if (!IsContainer(scratch[7])) return;
            scratch[4] = heap.MakeHashTable(HashTest.Eq, 16);
            scratch[3] = heap.Cons(scratch[7], W.Nil);
            while (scratch[3] != W.Nil)
            {
                scratch[5] = heap.Car(scratch[3]);
                scratch[3] = heap.Cdr(scratch[3]);
                if (heap.HashGet(scratch[4], scratch[5], out _)) continue;
                heap.HashPut(scratch[4], scratch[5], heap.T);
                if (W.IsCons(scratch[5]))
                {
                    ulong a = heap.Car(scratch[5]);
                    if (a == scratch[6]) heap.SetCar(scratch[5], scratch[7]);
                    else if (IsContainer(a)) scratch[3] = heap.Cons(a, scratch[3]);
                    ulong b = heap.Cdr(scratch[5]);
                    if (b == scratch[6]) heap.SetCdr(scratch[5], scratch[7]);
                    else if (IsContainer(b)) scratch[3] = heap.Cons(b, scratch[3]);
                }
                else
                {
                    int n = heap.Length(scratch[5]);
                    for (int i = 0; i < n; i++)
                    {
                        ulong e = heap.Slot(scratch[5], i);
                        if (e == scratch[6]) heap.SetSlot(scratch[5], i, scratch[7]);
                        else if (IsContainer(e)) scratch[3] = heap.Cons(e, scratch[3]);
                    }
                }
            }
            scratch[3] = W.Nil; scratch[4] = W.Nil; scratch[5] = W.Nil;
        }

        bool PushWrap(int symIndex, int line, int col)
        {
            if (!Push(KWrap, line, col)) return false;
            fVal[depth - 1] = syms[symIndex];
            return true;
        }

        /// <summary>Builds the list (or vector) of the top frame and pops it.</summary>
        bool FinishSequence(out ulong value)
        {
            int d = depth - 1;
            if (fKind[d] == KVector)
            {
                int n = 0;
                for (ulong p = fAcc[d]; p != W.Nil; p = heap.Cdr(p)) n++;
                ulong v = heap.MakeVector(n, W.Nil);
                int i = n;
                for (ulong p = fAcc[d]; p != W.Nil; p = heap.Cdr(p)) heap.SetSlot(v, --i, heap.Car(p));
                Pop();
                value = suppress > 0 ? W.Nil : v;
                return true;
            }
            // list: acc holds the elements reversed; cons them onto the tail
            scratch[0] = fVal[d];
            scratch[1] = fAcc[d];
            while (scratch[1] != W.Nil)
            {
                ulong cell = heap.Cons(heap.Car(scratch[1]), scratch[0]);
                scratch[0] = cell;
                scratch[1] = heap.Cdr(scratch[1]);
            }
            value = scratch[0];
            scratch[0] = W.Nil;
            Pop();
            if (suppress > 0) value = W.Nil;
            return true;
        }

        /// <summary>1 if the feature expression holds, 0 if not, -1 if malformed.</summary>
        int FeatureTrue(ulong e, int level)
        {
            if (level > 32) return -1;
            if (W.IsSymbol(e))
            {
                for (ulong p = opt.Features; W.IsCons(p); p = heap.Cdr(p))
                    if (heap.Car(p) == e) return 1;
                return 0;
            }
            if (!W.IsCons(e)) return -1;
            ulong op = heap.Car(e);
            if (!W.IsSymbol(op)) return -1;
            ulong name = heap.SymbolName(op);
            bool isAnd = heap.StringEquals(name, "AND"), isOr = heap.StringEquals(name, "OR"), isNot = heap.StringEquals(name, "NOT");
            if (!isAnd && !isOr && !isNot) return -1;
            int count = 0;
            for (ulong p = heap.Cdr(e); W.IsCons(p); p = heap.Cdr(p))
            {
                int r = FeatureTrue(heap.Car(p), level + 1);
                if (r < 0) return -1;
                count++;
                if (isNot) { if (count > 1) return -1; continue; }
                if (isAnd && r == 0) return 0;
                if (isOr && r == 1) return 1;
            }
            if (isNot) return count == 1 ? (FeatureTrue(heap.Car(heap.Cdr(e)), level + 1) == 1 ? 0 : 1) : -1;
            return isAnd ? 1 : 0;
        }
    }
}
