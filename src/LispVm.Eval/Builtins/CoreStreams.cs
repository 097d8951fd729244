// Streams (console output/input, string output/input) and the bridge to the printer and
// reader of src/LispVm.Reader. Stream objects: [kind, buffer, fill/position, column, end].
// Console output is UTF-8 buffered in a fixed C# buffer and flushed at newlines and by
// the REPL.
using LispVm.Gc;
using LispVm.Reader;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    // SEnd: input streams, the end index; file output streams, characters already written
    // to the file. SPath: a file stream's path string (NIL otherwise).
    // SElt: a file stream's element type when it is not CHARACTER (the stream then holds
    // one character per byte, codes 0-255: byte I/O in lisp/76-files.lisp), else NIL.
    public const int SKind = 0, SBuf = 1, SFill = 2, SCol = 3, SEnd = 4, SPath = 5, SElt = 6, SSize = 7;
    // File input streams hold the whole decoded file (read like string input streams);
    // file output streams buffer like string output streams and write at flush/close.
    public const int KConsoleOut = 0, KStringOut = 1, KStringIn = 2, KConsoleIn = 3, KFileIn = 4, KFileOut = 5, KClosed = 6;

    static void RegisterStreams(Builtins b)
    {
        b.Def("STREAMP", 1, 1, &Streamp);
        b.Def("WRITE-CHAR", 1, 2, &WriteChar); b.Def("WRITE-STRING", 1, -1, &WriteString);
        b.Def("%WRITE-STRING-RANGE", 4, 4, &WriteStringRangeB); b.Def("WRITE-SEQUENCE", 2, -1, &WriteSequence);
        b.Def("TERPRI", 0, 1, &Terpri); b.Def("FRESH-LINE", 0, 1, &FreshLine);
        b.Def("FINISH-OUTPUT", 0, 1, &FinishOutput); b.Def("FORCE-OUTPUT", 0, 1, &FinishOutput);
        b.Def("MAKE-STRING-OUTPUT-STREAM", 0, -1, &MakeStringOutputStream);
        b.Def("GET-OUTPUT-STREAM-STRING", 1, 1, &GetOutputStreamString);
        b.Def("MAKE-STRING-INPUT-STREAM", 1, 3, &MakeStringInputStream);
        b.Def("READ-CHAR", 0, 4, &ReadChar); b.Def("PEEK-CHAR", 0, 5, &PeekChar); b.Def("UNREAD-CHAR", 1, 2, &UnreadChar);
        b.Def("READ-LINE", 0, 4, &ReadLine);
        b.Def("PRIN1-TO-STRING", 1, 1, &Prin1ToString); b.Def("PRINC-TO-STRING", 1, 1, &PrincToString);
        b.Def("%ENGINE-PRIN1-TO-STRING", 1, 1, &Prin1ToString); b.Def("%ENGINE-PRINC-TO-STRING", 1, 1, &PrincToString);
        b.Def("%WRITE-OBJECT", 3, 3, &WriteObject); b.Def("%PLAIN-PRINTABLE-P", 1, 1, &PlainPrintableP);
        b.Def("READ-FROM-STRING", 1, -1, &ReadFromString); b.Def("READ", 0, 4, &ReadB);
        b.Def("%STREAM-COLUMN", 1, 1, &StreamColumn);
    }

    static ulong Streamp(Vm vm, Args a) { return vm.Bool(M.Is(a[0], ObjType.Stream)); }

    /// <summary>Resolve a stream designator for output (NIL = *standard-output*, T = terminal).</summary>
    static ulong OutStream(Vm vm, Args a, int i)
    {
        ulong s = a.Count > i ? a[i] : W.Nil;
        if (s == W.Nil) s = vm.SymValue(vm.Sym(S.StandardOutput));
        else if (s == vm.T) s = vm.Roots[(int)R.ConsoleOut];
        if (!M.Is(s, ObjType.Stream)) { vm.TypeError(s, "STREAM"); return Vm.Fail; }
        if (M.Slot(s, SKind) == M.Fix(KClosed)) return ClosedStream(vm, s);
        if (SocketRefusesChars(s)) { vm.SimpleError("~S has element type (UNSIGNED-BYTE 8): no character I/O on it.", s); return Vm.Fail; }
        return s;
    }
    static ulong InStream(Vm vm, Args a, int i)
    {
        ulong s = a.Count > i ? a[i] : W.Nil;
        if (s == W.Nil || s == vm.T) s = vm.SymValue(vm.Sym(S.StandardInput));
        if (!M.Is(s, ObjType.Stream)) { vm.TypeError(s, "STREAM"); return Vm.Fail; }
        if (M.Slot(s, SKind) == M.Fix(KClosed)) return ClosedStream(vm, s);
        if (SocketRefusesChars(s)) { vm.SimpleError("~S has element type (UNSIGNED-BYTE 8): no character I/O on it.", s); return Vm.Fail; }
        return s;
    }

    static ulong WriteChar(Vm vm, Args a)
    {
        if (!W.IsChar(a[0])) return vm.TypeError(a[0], "CHARACTER");
        ulong s = OutStream(vm, a, 1); if (s == Vm.Fail) return s;
        bool sock = IsSocket(s);   // read before the put: a Lisp stream's put may move s
        vm.StreamPut(s, W.CharCode(a[0]));
        if (sock) return SocketAfterOutput(vm, a, s, a[0], false);
        return a[0];
    }
    // :START and :END among a builtin's keyword arguments a[first..] (defaults 0 and NIL);
    // false after signalling a program-error (odd count, unknown key without
    // :ALLOW-OTHER-KEYS).
    static bool StartEndKeys(Vm vm, Args a, int first, string fname, out ulong sv, out ulong ev)
    {
        sv = M.Fix(0); ev = W.Nil;
        if (a.Count <= first) return true;
        if (((a.Count - first) & 1) != 0) { vm.ProgramError("Odd number of &KEY arguments to ~S.", vm.Intern(fname)); return false; }
        bool allow = false, seenS = false, seenE = false; ulong unknown = W.Unbound;
        ulong kStart = vm.Syms[(int)S.KwStart], kEnd = vm.Syms[(int)S.KwEnd];
        for (int i = first; i + 1 < a.Count; i += 2)
        {
            ulong k = a[i];
            if (k == kStart) { if (!seenS) { sv = a[i + 1]; seenS = true; } }
            else if (k == kEnd) { if (!seenE) { ev = a[i + 1]; seenE = true; } }
            else if (k == vm.Syms[(int)S.KwAllowOtherKeys]) { if (a[i + 1] != W.Nil) allow = true; }
            else if (unknown == W.Unbound) unknown = k;
        }
        if (unknown != W.Unbound && !allow) { vm.ProgramError("Unknown &KEY argument: ~S.", unknown); return false; }
        return true;
    }

    // (write-string string &optional stream &key start end): the keys parsed here, so the
    // common call is one builtin; a string or file output stream takes the range in one copy.
    static ulong WriteString(Vm vm, Args a)
    {
        if (!VecInfo(a[0], out ulong store, out int len, out _) || !IsStr(store)) return vm.TypeError(a[0], "STRING");
        if (!StartEndKeys(vm, a, 2, "WRITE-STRING", out ulong sv, out ulong ev)) return Vm.Fail;
        return WriteStringRange(vm, a, store, len, sv, ev);
    }

    // (write-sequence sequence stream &key start end): a string to a string, file or console
    // stream here; everything else (other sequences, socket and Lisp streams, bad bounds:
    // the type errors) in (%write-sequence-other sequence stream start end), lisp/74-streams.lisp.
    static ulong WriteSequence(Vm vm, Args a)
    {
        if (!StartEndKeys(vm, a, 2, "WRITE-SEQUENCE", out ulong sv, out ulong ev)) return Vm.Fail;
        ulong s = a[1];
        if (VecInfo(a[0], out ulong store, out int len, out _) && IsStr(store) && M.Is(s, ObjType.Stream)
            && Range(sv, ev, len, out int start, out int end))
        {
            long k = M.FixVal(M.Slot(s, SKind));
            if (k == KStringOut || k == KFileOut || k == KConsoleOut)
            {
                if (!vm.StreamPutRange(s, store, start, end)) return vm.HeapExhausted();
                return a[0];   // (the stack slot: a collection in the put moves the sequence)
            }
        }
        a.Set(2, sv); a.Set(3, ev);
        return TailTo(vm, "%WRITE-SEQUENCE-OTHER", 4);
    }

    // (%write-string-range string stream start end): WRITE-SEQUENCE's string path.
    static ulong WriteStringRangeB(Vm vm, Args a)
    {
        if (!VecInfo(a[0], out ulong store, out int len, out _) || !IsStr(store)) return vm.TypeError(a[0], "STRING");
        return WriteStringRange(vm, a, store, len, a[2], a[3]);
    }

    static ulong WriteStringRange(Vm vm, Args a, ulong store, int len, ulong sv, ulong ev)
    {
        long start = 0, end = len;
        if (!M.IsFix(sv)) return vm.TypeError(sv, "UNSIGNED-BYTE");
        start = M.FixVal(sv);
        if (ev != W.Nil) { if (!M.IsFix(ev)) return vm.TypeError(ev, "UNSIGNED-BYTE"); end = M.FixVal(ev); }
        if (start < 0 || start > end || end > len)
            return vm.SimpleError("The bounding indices ~S and ~S are bad for a sequence of length ~S.", M.Fix(start), M.Fix(end), M.Fix(len));
        ulong s = OutStream(vm, a, 1); if (s == Vm.Fail) return s;
        if (IsSocket(s))
        {
            ulong whole = a[0];
            if (start != 0 || end != len || M.Is(whole, ObjType.ArrayHeader))
            {   // the socket path takes a whole simple string: copy the range
                int n = (int)(end - start);
                int m = vm.Heap.RootMark(); int rs = vm.Heap.PushRoot(s);
                bool wide = M.Type(store) == ObjType.String32;
                if (!vm.Heap.RoomFor((ulong)n * (wide ? 4UL : 1UL) + 64)) { vm.Heap.PopRoots(m); return vm.HeapExhausted(); }
                ulong sub = vm.Heap.MakeStringN(n, wide);
                s = vm.Heap.Root(rs); vm.Heap.PopRoots(m);
                VecInfo(a[0], out store, out _, out _);
                for (int i = 0; i < n; i++) vm.Heap.SetStringChar(sub, i, vm.Heap.StringChar(store, (int)start + i));
                ulong r = SocketTail(vm, a, "%SOCKET-WRITE-STRING", sub, s, W.Nil);
                return r;
            }
            return SocketTail(vm, a, "%SOCKET-WRITE-STRING", whole, s, W.Nil);
        }
        if (!vm.StreamPutRange(s, store, (int)start, (int)end)) return vm.HeapExhausted();
        return a[0];   // (the stack slot: a collection in the put moves the string)
    }
    static ulong Terpri(Vm vm, Args a)
    {
        ulong s = OutStream(vm, a, 0); if (s == Vm.Fail) return s;
        bool sock = IsSocket(s);
        vm.StreamPut(s, '\n');
        return sock ? SocketAfterOutput(vm, a, s, W.Nil, false) : W.Nil;
    }
    static ulong FreshLine(Vm vm, Args a)
    {
        ulong s = OutStream(vm, a, 0); if (s == Vm.Fail) return s;
        if (M.FixVal(M.Slot(s, SCol)) != 0) { bool sock = IsSocket(s); vm.StreamPut(s, '\n'); return sock ? SocketAfterOutput(vm, a, s, vm.T, false) : vm.T; }
        return W.Nil;
    }
    static ulong FinishOutput(Vm vm, Args a)
    {
        ulong s = a.Count > 0 && a[0] != W.Nil ? a[0] : vm.SymValue(vm.Sym(S.StandardOutput));
        if (M.Is(s, ObjType.Stream) && IsSocket(s)) return SocketAfterOutput(vm, a, s, W.Nil, true);
        vm.FlushConsole(); return W.Nil;
    }
    static ulong StreamColumn(Vm vm, Args a) { if (!M.Is(a[0], ObjType.Stream)) return vm.TypeError(a[0], "STREAM"); return M.Slot(a[0], SCol); }

    static ulong MakeStringOutputStream(Vm vm, Args a) { return vm.MakeStream(KStringOut, W.Nil); }
    static ulong GetOutputStreamString(Vm vm, Args a)
    {
        ulong s = a[0];
        if (!M.Is(s, ObjType.Stream) || M.Slot(s, SKind) != M.Fix(KStringOut)) return vm.TypeError(s, "STRING-STREAM");
        return vm.TakeStreamString(s);
    }
    static ulong MakeStringInputStream(Vm vm, Args a)
    {
        if (!IsStr(a[0])) return vm.TypeError(a[0], "STRING");
        ulong s = vm.MakeStream(KStringIn, a[0]);
        int len = M.Len(a[0]);
        int start = a.Count > 1 && M.IsFix(a[1]) ? (int)M.FixVal(a[1]) : 0;
        int end = a.Count > 2 && M.IsFix(a[2]) ? (int)M.FixVal(a[2]) : len;
        if (start < 0 || start > len || end < start || end > len) return vm.SimpleError("Bad string bounds.");
        vm.Heap.SetSlot(s, SFill, M.Fix(start));
        vm.Heap.SetSlot(s, SEnd, M.Fix(end));
        return s;
    }

    /// <summary>Next character code of an input stream, -1 at end; advance if consume.</summary>
    internal static int StreamGetPublic(Vm vm, ulong s, bool consume) { return StreamGet(vm, s, consume); }
    internal static int StreamGet(Vm vm, ulong s, bool consume)
    {
        long kind = M.FixVal(M.Slot(s, SKind));
        if (kind == KStringIn || kind == KFileIn)
        {
            long pos = M.FixVal(M.Slot(s, SFill)), end = M.FixVal(M.Slot(s, SEnd));
            if (pos >= end) return -1;
            int c = vm.Heap.StringChar(M.Slot(s, SBuf), (int)pos);
            if (consume) vm.Heap.SetSlot(s, SFill, M.Fix(pos + 1));
            return c;
        }
        if (kind == KSocket) { int sc = SocketGet(vm, s, consume); return sc < 0 ? -1 : sc; }
        if (kind == KLisp) return LispStreamGet(vm, s, consume);
        if (kind == KConsoleIn) return vm.ConsoleIn != null ? (consume ? vm.ConsoleIn.Read() : vm.ConsoleIn.Peek()) : -1;
        return -1;
    }

    static ulong EofOr(Vm vm, Args a, int idx, ulong s)
    {
        bool eofError = a.Count <= idx || a[idx] != W.Nil;
        if (eofError) return vm.Error("END-OF-FILE", "STREAM", s);
        return a.Count > idx + 1 ? a[idx + 1] : W.Nil;
    }
    static ulong ReadChar(Vm vm, Args a)
    {
        ulong s = InStream(vm, a, 0); if (s == Vm.Fail) return s;
        if (IsSocket(s)) return SocketReadChar(vm, a, s);
        int m = vm.Heap.RootMark(); int rs = vm.Heap.PushRoot(s);   // a Lisp stream may collect
        int c = StreamGet(vm, s, true);
        s = vm.Heap.Root(rs); vm.Heap.PopRoots(m);
        return c < 0 ? EofOr(vm, a, 1, s) : W.MakeChar(c);
    }
    static ulong PeekChar(Vm vm, Args a)
    {
        // (peek-char &optional peek-type stream eof-error-p eof-value recursive-p)
        ulong s = InStream(vm, a, 1); if (s == Vm.Fail) return s;
        if (IsSocket(s)) return SocketPeekChar(vm, a, s);
        ulong pt = a.Count > 0 ? a[0] : W.Nil;
        int m = vm.Heap.RootMark(); int rs = vm.Heap.PushRoot(s);   // a Lisp stream may collect
        for (; ; )
        {
            int c = StreamGet(vm, vm.Heap.Root(rs), false);
            if (c < 0) { s = vm.Heap.Root(rs); vm.Heap.PopRoots(m); return EofOr(vm, a, 2, s); }
            if (pt == vm.T && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) { StreamGet(vm, vm.Heap.Root(rs), true); continue; }
            if (W.IsChar(pt) && W.CharCode(pt) != c) { StreamGet(vm, vm.Heap.Root(rs), true); continue; }
            vm.Heap.PopRoots(m);
            return W.MakeChar(c);
        }
    }
    static ulong UnreadChar(Vm vm, Args a)
    {
        ulong s = InStream(vm, a, 1); if (s == Vm.Fail) return s;
        if (IsSocket(s)) { SocketUnread(vm, s); return W.Nil; }
        if (IsLispStream(s)) { LispStreamUnread(vm, s, a[0]); return W.Nil; }
        if (M.Slot(s, SKind) == M.Fix(KStringIn))
        {
            long pos = M.FixVal(M.Slot(s, SFill));
            if (pos > 0) vm.Heap.SetSlot(s, SFill, M.Fix(pos - 1));
        }
        else if (vm.ConsoleIn != null) vm.ConsoleIn.Unread();
        return W.Nil;
    }
    static ulong ReadLine(Vm vm, Args a)
    {
        ulong s = InStream(vm, a, 0); if (s == Vm.Fail) return s;
        if (IsSocket(s)) return SocketTail(vm, a, "%SOCKET-READ-LINE", s, vm.Bool(a.Count <= 1 || a[1] != W.Nil), a.Count > 2 ? a[2] : W.Nil);
        Heap h = vm.Heap;
        int m = h.RootMark(); int rs = h.PushRoot(s);
        int c0 = StreamGet(vm, s, false);
        if (c0 < 0) { s = h.Root(rs); h.PopRoots(m); ulong r0 = EofOr(vm, a, 1, s); return r0 == Vm.Fail ? r0 : vm.Values(r0, vm.T); }
        int ro = h.PushRoot(vm.MakeStream(KStringOut, W.Nil));
        bool missing = true;
        for (; ; )
        {
            int c = StreamGet(vm, h.Root(rs), true);
            if (c < 0) break;
            if (c == '\n') { missing = false; break; }
            vm.StreamPut(h.Root(ro), c);
        }
        ulong str = vm.TakeStreamString(h.Root(ro));
        h.PopRoots(m);
        return vm.Values(str, vm.Bool(missing));
    }

    static ulong ToString(Vm vm, ulong x, bool escape)
    {
        Heap h = vm.Heap;
        int m = h.RootMark();
        int rx = h.PushRoot(x);
        int rs = h.PushRoot(vm.MakeStream(KStringOut, W.Nil));
        ulong r = vm.PrintTo(h.Root(rx), h.Root(rs), escape);
        if (r == Vm.Fail) { h.PopRoots(m); return r; }
        ulong str = vm.TakeStreamString(h.Root(rs));
        h.PopRoots(m);
        return str;
    }
    static ulong Prin1ToString(Vm vm, Args a) { return ToString(vm, a[0], true); }
    static ulong PrincToString(Vm vm, Args a) { return ToString(vm, a[0], false); }
    /// <summary>(%write-object object stream escape-p)</summary>
    static ulong WriteObject(Vm vm, Args a)
    {
        ulong s = OutStream(vm, a, 1); if (s == Vm.Fail) return s;
        if (IsSocket(s)) return SocketTail(vm, a, "%SOCKET-WRITE-OBJECT", a[0], s, a[2]);
        ulong r = vm.PrintTo(a[0], s, a[2] != W.Nil);
        return r == Vm.Fail ? r : a[0];
    }

    /// <summary>(%plain-printable-p x): T when x is a tree of conses and atoms the engine
    /// printer prints exactly as the Lisp printer (lisp/70-printer.lisp) would with
    /// *print-pretty* and *print-circle* off: no vectors, structures or conditions, no
    /// (QUOTE x)-style forms the engine would abbreviate. Bounded (NIL past 1M conses or
    /// 1024 pending cars), so a circular list just takes the Lisp path.</summary>
    static ulong PlainPrintableP(Vm vm, Args a)
    {
        ulong[] st = vm.PlainStack;
        int sp = 0; long budget = 1 << 20;
        st[sp++] = a[0];
        while (sp > 0)
        {
            ulong x = st[--sp];
            while (W.IsCons(x))
            {
                if (--budget < 0) return W.Nil;
                ulong h = M.Car(x);
                if (W.IsSymbol(h) && h != W.Nil && vm.Printer.ShorthandIndex(h) >= 0) return W.Nil;
                if (W.IsCons(h)) { if (sp >= st.Length) return W.Nil; st[sp++] = h; }
                else if (!PlainAtom(h)) return W.Nil;
                x = M.Cdr(x);
            }
            if (!PlainAtom(x)) return W.Nil;
        }
        return vm.T;
    }
    static bool PlainAtom(ulong x)
    {
        if (!W.IsObj(x)) return true;   // fixnum, character, single float, symbol, NIL (a cons is handled by the caller)
        ObjType t = M.Type(x);
        return t == ObjType.String8 || t == ObjType.String32 || t == ObjType.Bignum || t == ObjType.Ratio || t == ObjType.DoubleFloat;
    }

    // (read-from-string string &optional eof-error-p eof-value &key start end
    // preserve-whitespace): any string with a store (a fill pointer's active part);
    // other arrays of characters (displaced) through %READ-FROM-STRING-OTHER. Without
    // :PRESERVE-WHITESPACE the whitespace that ended a token is consumed (the second value
    // is past it), as READ does.
    static ulong ReadFromString(Vm vm, Args a)
    {
        if (!VecInfo(a[0], out ulong store, out int len, out _) || !IsStr(store))
            return TailTo(vm, "%READ-FROM-STRING-OTHER", a.Count);
        bool eofError = a.Count < 2 || a[1] != W.Nil;
        ulong eofValue = a.Count > 2 ? a[2] : W.Nil;
        ulong sv = M.Fix(0), ev = W.Nil, pw = W.Nil;
        if (a.Count > 3)
        {
            if (((a.Count - 3) & 1) != 0) return vm.ProgramError("Odd number of &KEY arguments to ~S.", vm.Intern("READ-FROM-STRING"));
            bool seenS = false, seenE = false, seenP = false, seenA = false, allow = false; ulong unknown = W.Unbound;
            ulong kPw = vm.Intern(":PRESERVE-WHITESPACE");
            for (int i = 3; i + 1 < a.Count; i += 2)
            {
                ulong k = a[i];
                if (k == vm.Syms[(int)S.KwStart]) { if (!seenS) { sv = a[i + 1]; seenS = true; } }
                else if (k == vm.Syms[(int)S.KwEnd]) { if (!seenE) { ev = a[i + 1]; seenE = true; } }
                else if (k == kPw) { if (!seenP) { pw = a[i + 1]; seenP = true; } }
                else if (k == vm.Syms[(int)S.KwAllowOtherKeys]) { if (!seenA) { allow = a[i + 1] != W.Nil; seenA = true; } }
                else if (unknown == W.Unbound) unknown = k;
            }
            if (unknown != W.Unbound && !allow) return vm.ProgramError("Unknown &KEY argument: ~S.", unknown);
        }
        if (!Range(sv, ev, len, out int start, out int end))
            return vm.SimpleError("The bounding indices ~S and ~S are bad for a string of length ~S.", sv, ev, M.Fix(len));
        ulong s = vm.MakeStream(KStringIn, store);
        vm.Heap.SetSlot(s, SFill, M.Fix(start));
        vm.Heap.SetSlot(s, SEnd, M.Fix(end));
        int m = vm.Heap.RootMark(); int rs = vm.Heap.PushRoot(s);   // reading may collect
        ulong v = vm.ReadFromStream(s, out bool eof);
        s = vm.Heap.Root(rs); vm.Heap.PopRoots(m);
        if (v == Vm.Fail) return v;
        if (eof) { if (eofError) return vm.Error("END-OF-FILE", "STREAM", s); v = eofValue; }
        ulong pos = vm.ReadStreamPos;
        if (pw == W.Nil && !eof && M.IsFix(pos))
        {
            int p = (int)M.FixVal(pos);
            ulong buf = M.Slot(s, SBuf);
            if (p > start && p < end && LispVm.Reader.CharSyntax.IsWhitespace(vm.Heap.StringChar(buf, p)))
            {
                int before = vm.Heap.StringChar(buf, p - 1);
                if (before != ')' && before != '"') pos = M.Fix(p + 1);   // a token ended there
            }
        }
        return vm.Values(v, pos);
    }
    static ulong ReadB(Vm vm, Args a)
    {
        ulong s = InStream(vm, a, 0); if (s == Vm.Fail) return s;
        if (IsSocket(s)) return SocketTail(vm, a, "%SOCKET-READ", s, vm.Bool(a.Count <= 1 || a[1] != W.Nil), a.Count > 2 ? a[2] : W.Nil);
        int m = vm.Heap.RootMark(); int rs = vm.Heap.PushRoot(s);   // reading may collect
        ulong v = vm.ReadFromStream(s, out bool eof);
        s = vm.Heap.Root(rs); vm.Heap.PopRoots(m);
        if (v == Vm.Fail) return v;
        if (eof) return EofOr(vm, a, 1, s);
        return v;
    }
}
