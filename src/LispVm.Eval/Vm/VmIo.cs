// Stream plumbing for the builtins and the REPL: console output buffering (UTF-8), string
// output streams growing in the heap, and adapters that let the reader and printer of
// src/LispVm.Reader read from and write to Lisp streams.
using LispVm.Gc;
using LispVm.Reader;
using LispVm.Reader.Numbers;

namespace LispVm.Eval;

/// <summary>Console input as the platform delivers it (hosted stdin, kernel console).</summary>
public interface IConsoleIn
{
    int Read();
    int Peek();
    void Unread();
    /// <summary>True when Read would not block (input waits, or it has ended).</summary>
    bool Ready();
}

public sealed unsafe partial class Vm
{
    public Num Num;
    public LispPrinter Printer;
    internal readonly ulong[] PlainStack = new ulong[1024];   // %PLAIN-PRINTABLE-P's work stack (no roots: no allocation while used)
    public LispReader Reader;
    public IConsoleIn ConsoleIn;
    public bool QuitRequested;
    public int QuitCode;
    internal ulong ReadStreamPos;
    readonly byte[] conBuf = new byte[4096];
    int conLen;
    StreamSink sink;
    StreamSource source;
    ReadHook readHook;
    readonly byte[] readBehave = new byte[128];   // ReadOptions.Behave, filled from *readtable*
    readonly byte[] readMacro = new byte[128];    // ReadOptions.Macro (SET-MACRO-CHARACTER)
    readonly byte[] readSharpUser = new byte[128];   // ReadOptions.SharpUser (SET-DISPATCH-MACRO-CHARACTER on #)
    int streamReads;                              // ReadFromStream calls running
    /// <summary>The REPL whose reader is running (its line buffer is the source, not a
    /// stream): a macro character's function then reads *standard-input* from there.</summary>
    internal Repl ReplReading;

    // The C# objects (always made) and the heap state (left to a heap image: Vm's heapFromImage).
    void InitIoObjects()
    {
        Num = new Num(Heap, Sizes.NumDigits);
        Printer = new LispPrinter(Heap, Num, Sizes.PrintDepth);
        Reader = new LispReader(Heap, Num, Sizes.ReadDepth, Sizes.ReadToken, Sizes.ReadString);
        sink = new StreamSink(this);
        source = new StreamSource(this);
        readHook = new ReadHook(this);
    }

    void InitIoHeap()
    {
        Reader.SetSharpFunction(Intern("%READ-SHARP"));
        ulong co = MakeStream(Builtins.KConsoleOut, W.Nil);
        Roots[(int)R.ConsoleOut] = co;
        SetSymValue(Syms[(int)S.StandardOutput], co);
        SetSymValue(Syms[(int)S.ErrorOutput], co);
        // One at a time: Intern may allocate (a new symbol), and a collection then moves a
        // symbol held in a C# local; storing through the stale copy corrupted the heap.
        SetSymValue(Intern("*TERMINAL-IO*"), Roots[(int)R.ConsoleOut]);
        SetSymValue(Intern("*TRACE-OUTPUT*"), Roots[(int)R.ConsoleOut]);
        ulong ci = MakeStream(Builtins.KConsoleIn, W.Nil);
        SetSymValue(Syms[(int)S.StandardInput], ci);
        foreach (S s in new S[] { S.StandardOutput, S.StandardInput, S.ErrorOutput, S.PackageVar, S.Star, S.StarStar, S.StarStarStar })
            SetSymFlag(Syms[(int)s], SymbolFlags.Special);
        SetSymFlag(Intern("*TERMINAL-IO*"), SymbolFlags.Special);
        SetSymFlag(Intern("*TRACE-OUTPUT*"), SymbolFlags.Special);
        SetSymValue(Syms[(int)S.PackageVar], Heap.CommonLispPackage);
    }

    public ulong CurrentPackage()
    {
        ulong p = SymValue(Syms[(int)S.PackageVar]);
        return M.Is(p, ObjType.Package) ? p : Heap.UserPackage;
    }

    public ulong MakeStream(int kind, ulong buf)
    {
        int m = Heap.RootMark(); int rb = Heap.PushRoot(buf);
        ulong s = Heap.AllocBoxed(ObjType.Stream, Builtins.SSize);
        Heap.SetSlot(s, Builtins.SKind, M.Fix(kind));
        Heap.SetSlot(s, Builtins.SBuf, Heap.Root(rb));
        Heap.SetSlot(s, Builtins.SFill, M.Fix(0));
        Heap.SetSlot(s, Builtins.SCol, M.Fix(0));
        Heap.SetSlot(s, Builtins.SEnd, M.Fix(0));
        Heap.SetSlot(s, Builtins.SPath, W.Nil);
        Heap.SetSlot(s, Builtins.SElt, W.Nil);
        Heap.PopRoots(m);
        return s;
    }

    /// <summary>Write one character to a stream (may allocate for string streams).</summary>
    public void StreamPut(ulong s, int c)
    {
        long col = M.FixVal(M.Slot(s, Builtins.SCol));
        Heap.SetSlot(s, Builtins.SCol, M.Fix(c == '\n' ? 0 : col + 1));
        long kind = M.FixVal(M.Slot(s, Builtins.SKind));
        if (kind == Builtins.KConsoleOut) { ConsolePut(c); return; }
        if (kind == Builtins.KSocket) { Builtins.SocketPut(this, s, c); return; }
        if (kind == Builtins.KLisp) { Builtins.LispStreamPut(this, s, c); return; }
        if (kind != Builtins.KStringOut && kind != Builtins.KFileOut) return;
        ulong buf = M.Slot(s, Builtins.SBuf);
        int fill = (int)M.FixVal(M.Slot(s, Builtins.SFill));
        if (buf == W.Nil || fill >= M.Len(buf))
        {
            int cap = buf == W.Nil ? 32 : M.Len(buf) * 2;
            int m = Heap.RootMark(); int rs = Heap.PushRoot(s);
            ulong nb = Heap.MakeStringN(cap, true);
            s = Heap.Root(rs);
            ulong old = M.Slot(s, Builtins.SBuf);
            CopyWords32((uint*)M.Raw(nb), (uint*)M.Raw(old), fill);
            Heap.SetSlot(s, Builtins.SBuf, nb);
            Heap.PopRoots(m);
            buf = nb;
        }
        ((uint*)M.Raw(buf))[fill] = (uint)c;
        Heap.SetSlot(s, Builtins.SFill, M.Fix(fill + 1));
    }

    /// <summary>Write characters [start, end) of a simple string (String8/String32) to a
    /// stream. String and file output streams take the block in one copy (growing the
    /// buffer at least twofold); other kinds get StreamPut per character. False when the
    /// heap has no room for the grown buffer (nothing written then).</summary>
    public bool StreamPutRange(ulong s, ulong str, int start, int end)
    {
        if (start >= end) return true;
        long kind = M.FixVal(M.Slot(s, Builtins.SKind));
        if (kind != Builtins.KStringOut && kind != Builtins.KFileOut)
        {
            // Roots: a Lisp stream's put runs Lisp code, which may collect.
            int m0 = Heap.RootMark(); int rs0 = Heap.PushRoot(s); int rt0 = Heap.PushRoot(str);
            for (int i = start; i < end; i++) StreamPut(Heap.Root(rs0), Heap.StringChar(Heap.Root(rt0), i));
            Heap.PopRoots(m0);
            return true;
        }
        int n = end - start;
        ulong buf = M.Slot(s, Builtins.SBuf);
        int fill = (int)M.FixVal(M.Slot(s, Builtins.SFill));
        int have = buf == W.Nil ? 0 : M.Len(buf);
        if ((long)fill + n > have)
        {
            long cap = have < 16 ? 32 : (long)have * 2;
            if (cap < (long)fill + n) cap = (long)fill + n;
            if (cap > int.MaxValue / 8) return false;
            if (!Heap.RoomFor((ulong)cap * 4 + 64)) return false;
            int m = Heap.RootMark(); int rs = Heap.PushRoot(s); int rt = Heap.PushRoot(str);
            ulong nb = Heap.MakeStringN((int)cap, true);
            s = Heap.Root(rs); str = Heap.Root(rt);
            ulong old = M.Slot(s, Builtins.SBuf);
            if (fill > 0) CopyWords32((uint*)M.Raw(nb), (uint*)M.Raw(old), fill);
            Heap.SetSlot(s, Builtins.SBuf, nb);
            Heap.PopRoots(m);
            buf = nb;
        }
        uint* d = (uint*)M.Raw(buf) + fill;
        int lastNl = -1;
        if (M.Type(str) == ObjType.String8)
        {
            byte* src = M.Raw(str) + start;
            for (int i = 0; i < n; i++) { uint c = src[i]; d[i] = c; if (c == '\n') lastNl = i; }
        }
        else
        {
            uint* src = (uint*)M.Raw(str) + start;
            for (int i = 0; i < n; i++) { uint c = src[i]; d[i] = c; if (c == '\n') lastNl = i; }
        }
        Heap.SetSlot(s, Builtins.SFill, M.Fix(fill + n));
        long col = lastNl >= 0 ? n - 1 - lastNl : M.FixVal(M.Slot(s, Builtins.SCol)) + n;
        Heap.SetSlot(s, Builtins.SCol, M.Fix(col));
        return true;
    }

    static void CopyWords32(uint* dst, uint* src, int n)
    {
        int i = 0;
        for (; i + 2 <= n; i += 2) *(ulong*)(dst + i) = *(ulong*)(src + i);
        for (; i < n; i++) dst[i] = src[i];
    }

    /// <summary>The accumulated string of a string output stream (and reset it).</summary>
    public ulong TakeStreamString(ulong s)
    {
        int fill = (int)M.FixVal(M.Slot(s, Builtins.SFill));
        ulong buf = M.Slot(s, Builtins.SBuf);
        bool wide = false;
        { uint* p = (uint*)M.Raw(buf); uint bits = 0; for (int i = 0; i < fill; i++) bits |= p[i]; wide = bits > 255; }
        int m = Heap.RootMark(); int rs = Heap.PushRoot(s);
        ulong str = Heap.MakeStringN(fill, wide);
        s = Heap.Root(rs);
        buf = M.Slot(s, Builtins.SBuf);
        uint* src = (uint*)M.Raw(buf);
        if (wide) CopyWords32((uint*)M.Raw(str), src, fill);
        else { byte* d = M.Raw(str); for (int i = 0; i < fill; i++) d[i] = (byte)src[i]; }
        Heap.SetSlot(s, Builtins.SFill, M.Fix(0));
        Heap.PopRoots(m);
        return str;
    }

    void ConsolePut(int c)
    {
        if (conLen + 4 >= conBuf.Length) FlushConsole();
        if (c < 0x80) conBuf[conLen++] = (byte)c;
        else if (c < 0x800) { conBuf[conLen++] = (byte)(0xC0 | (c >> 6)); conBuf[conLen++] = (byte)(0x80 | (c & 0x3F)); }
        else if (c < 0x10000) { conBuf[conLen++] = (byte)(0xE0 | (c >> 12)); conBuf[conLen++] = (byte)(0x80 | ((c >> 6) & 0x3F)); conBuf[conLen++] = (byte)(0x80 | (c & 0x3F)); }
        else { conBuf[conLen++] = (byte)(0xF0 | (c >> 18)); conBuf[conLen++] = (byte)(0x80 | ((c >> 12) & 0x3F)); conBuf[conLen++] = (byte)(0x80 | ((c >> 6) & 0x3F)); conBuf[conLen++] = (byte)(0x80 | (c & 0x3F)); }
        if (c == '\n') FlushConsole();
    }

    public void FlushConsole()
    {
        if (conLen > 0) { Platform.Write(conBuf, conLen); conLen = 0; }
    }

    /// <summary>Console column (for fresh-line in the REPL).</summary>
    public long ConsoleColumn { get { return M.FixVal(M.Slot(Roots[(int)R.ConsoleOut], Builtins.SCol)); } }

    public void ConsoleString(string s) { ulong co = Roots[(int)R.ConsoleOut]; for (int i = 0; i < s.Length; i++) StreamPut(co, s[i]); }

    // The printer and reader variables are in Syms: PrintTo runs per atom when Lisp code
    // prints, and looking the names up by string each time cost more than the printing.
    long VarFix(S var, long dflt)
    {
        ulong v = SymValue(Syms[(int)var]);
        return M.IsFix(v) ? M.FixVal(v) : dflt;
    }
    bool VarBool(S var) { ulong v = SymValue(Syms[(int)var]); return v != W.Nil && v != W.Unbound; }

    /// <summary>Print x to stream s with the printer variables. Returns Fail on error.</summary>
    public ulong PrintTo(ulong x, ulong s, bool escape)
    {
        PrintOptions o = escape ? PrintOptions.Prin1 : PrintOptions.Princ;
        o.Base = (int)VarFix(S.PrintBase, 10);
        o.Level = (int)VarFix(S.PrintLevel, -1);
        o.Length = (int)VarFix(S.PrintLength, -1);
        o.Readably = VarBool(S.PrintReadably);
        o.Radix = VarBool(S.PrintRadix);
        o.Circle = VarBool(S.PrintCircle);
        o.Package = CurrentPackage();
        ulong saved = Roots[(int)R.PrintStream];
        Roots[(int)R.PrintStream] = s;
        PrintStatus st = Printer.Print(x, sink, o);
        Roots[(int)R.PrintStream] = saved;
        if (st == PrintStatus.NotReadable) return Error("PRINT-NOT-READABLE", "OBJECT", x);
        // The printer's frames ran out (output so far ends in #): a resource limit, not an answer.
        if (st == PrintStatus.TooDeep) return StorageError("Printer: object nested too deeply to print.");
        return x;
    }

    /// <summary>Read one object from a Lisp input stream.</summary>
    public ulong ReadFromStream(ulong s, out bool eof)
    {
        eof = false;
        // The reader is one object with one frame stack: a READ from inside #. or #S
        // (evaluated in the middle of a read) would overwrite it.
        if (readHook.Busy) return SimpleError("READ called while the reader evaluates a #. or # form.");
        ulong saved = Roots[(int)R.ReadStream];
        Roots[(int)R.ReadStream] = s;
        ReadOptions o = ReadOptionsNow();
        o.EvalHook = readHook; o.MacroHook = readHook;
        readHook.Failed = false;
        // From a macro character's function: a nested read on the interrupted read's frames.
        bool nestedRead = readHook.InMacro > 0;
        streamReads++;
        ReadStatus st = nestedRead ? Reader.ReadNested(source, o, out ulong v) : Reader.Read(source, o, out v);
        streamReads--;
        s = Roots[(int)R.ReadStream];
        Roots[(int)R.ReadStream] = saved;
        ReadStreamPos = M.Slot(s, Builtins.SFill);
        if (st == ReadStatus.Ok) return v;
        // The Lisp code under #. signalled and its unwind is under way: let it continue.
        if (readHook.Failed) { readHook.Failed = false; return Fail; }
        if (st == ReadStatus.Eof || st == ReadStatus.NeedMore)
        {
            if (st == ReadStatus.NeedMore) return Error("END-OF-FILE", "STREAM", s);
            eof = true; return W.Nil;
        }
        return ReaderError(s);
    }

    /// <summary>The REPL's read options: with the hook that builds #P, #S, #A, #C and #.
    /// objects (a form read again after more input arrives builds them again).</summary>
    public ReadOptions ReplReadOptions()
    {
        ReadOptions o = ReadOptionsNow();
        if (!readHook.Busy) { o.EvalHook = readHook; o.MacroHook = readHook; readHook.Failed = false; }
        return o;
    }

    /// <summary>After the REPL's read failed: a #. form that unwound leaves nothing pending.</summary>
    public void ReplReadFailed() { readHook.Failed = false; PendUnwind = false; }

    public ReadOptions ReadOptionsNow()
    {
        ReadOptions o = new ReadOptions();
        o.Package = CurrentPackage();
        o.ReadBase = (int)VarFix(S.ReadBase, 10);
        ulong f = SymValue(Syms[(int)S.Features]);
        o.Features = f == W.Unbound ? W.Nil : f;
        o.ReadEval = SymValue(Intern("*READ-EVAL*")) != W.Nil;          // unbound (early boot) reads as true
        ulong rs = SymValue(Intern("*READ-SUPPRESS*"));
        o.Suppress = rs != W.Nil && rs != W.Unbound;
        ulong df = SymValue(Syms[(int)S.ReadDefaultFloatFormat]);
        o.DefaultDouble = df == Syms[(int)S.DoubleFloat];
        ReadtableOptions(ref o);
        return o;
    }

    /// <summary>*readtable* (lisp/71-io-syntax.lisp, a structure: slot 1 the case keyword,
    /// slot 2 NIL or a string of 128 characters, the syntax of each code as the code of the
    /// standard character whose syntax it has, 0 for its own).</summary>
    void ReadtableOptions(ref ReadOptions o)
    {
        ulong rt = SymValue(Intern("*READTABLE*"));
        if (!M.Is(rt, ObjType.Instance) || M.Len(rt) < 3) return;
        ulong c = M.Slot(rt, 1);
        o.Case = c == Intern(":DOWNCASE") ? 1 : c == Intern(":PRESERVE") ? 2 : c == Intern(":INVERT") ? 3 : 0;
        if (M.Len(rt) >= 5)
        {
            if (ByteTable(M.Slot(rt, 3), readMacro)) o.Macro = readMacro;
            if (ByteTable(M.Slot(rt, 4), readSharpUser)) o.SharpUser = readSharpUser;
        }
        ulong syn = M.Slot(rt, 2);
        if (!Heap.IsString(syn) || M.Len(syn) != 128) return;
        for (int i = 0; i < 128; i++)
        {
            int b = Heap.StringChar(syn, i);
            readBehave[i] = (byte)(b > 0 && b < 128 ? b : 0);
        }
        o.Behave = readBehave;
    }

    /// <summary>A readtable's per-code table (a string of 128 characters, codes 0-127) into
    /// t; false when it is NIL (no entries) or malformed.</summary>
    bool ByteTable(ulong str, byte[] t)
    {
        if (!Heap.IsString(str) || M.Len(str) != 128) return false;
        for (int i = 0; i < 128; i++) { int b = Heap.StringChar(str, i); t[i] = (byte)(b < 128 ? b : 0); }
        return true;
    }

    /// <summary>The stream a macro character's function reads: the one being read, or for
    /// the REPL's own reader *standard-input* (its console input is the REPL's buffer).</summary>
    ulong MacroStream()
    {
        if (streamReads > 0) return Roots[(int)R.ReadStream];
        return SymValue(Syms[(int)S.StandardInput]);
    }

    /// <summary>Signal a reader error with the reader's message.</summary>
    public ulong ReaderError(ulong stream = W.Nil)
    {
        byte* tmp = stackalloc byte[700];
        int n = Reader.ErrorLength;
        if (n > 600) n = 600;
        for (int i = 0; i < n; i++) tmp[i] = Reader.ErrorText[i];
        int m = Heap.RootMark(); int rs = Heap.PushRoot(stream);   // the message may collect
        ulong msg = Heap.MakeStringFromBytes(tmp, n);
        stream = Heap.Root(rs); Heap.PopRoots(m);
        if (Reader.ErrorKind == ReadErrorKind.EndOfFile) return Error("END-OF-FILE", "STREAM", stream);
        if (Reader.ErrorKind == ReadErrorKind.TooDeep)
        {
            PendSimple1(S.StorageCondition, "Reader: ~A", msg);
            MaterializePend();
            return Fail;
        }
        PendSimple1(S.SimpleError, "~A", msg);
        Pend[0] = Intern("%SIMPLE-READER-ERROR");
        MaterializePend();
        // The stream (STREAM-ERROR-STREAM); Pend holds the rooted values from here on.
        if (PendN + 2 <= Pend.Length) { Pend[PendN] = Intern(":STREAM"); Pend[PendN + 1] = stream; PendN += 2; }
        return Fail;
    }

    public ulong SetfName(ulong sym)
    {
        if (!W.IsSymbol(sym)) return sym;
        ulong name = Heap.SymbolName(sym);
        int n = M.Len(name);
        byte* buf = stackalloc byte[520];
        if (n > 100) n = 100;
        int k = 0;
        string pre = "(SETF ";
        for (int i = 0; i < pre.Length; i++) buf[k++] = (byte)pre[i];
        for (int i = 0; i < n; i++)
        {
            int c = Heap.StringChar(name, i);
            if (c < 0x80) buf[k++] = (byte)c;
            else if (c < 0x800) { buf[k++] = (byte)(0xC0 | (c >> 6)); buf[k++] = (byte)(0x80 | (c & 0x3F)); }
            else { buf[k++] = (byte)(0xE0 | ((c >> 12) & 0xF)); buf[k++] = (byte)(0x80 | ((c >> 6) & 0x3F)); buf[k++] = (byte)(0x80 | (c & 0x3F)); }
        }
        buf[k++] = (byte)')';
        ulong pkg = M.Slot(SymObj(sym), Sy.Package);
        if (!M.Is(pkg, ObjType.Package)) pkg = Heap.CommonLispPackage;
        return Heap.InternBytes(buf, k, pkg);
    }

    public ulong KeywordOf(ulong sym)
    {
        ulong name = Heap.SymbolName(sym);
        return Heap.InternString(name, Heap.KeywordPackage, out SymbolStatus st);
    }

    sealed class StreamSink : IPrintSink
    {
        readonly Vm vm;
        public StreamSink(Vm vm) { this.vm = vm; }
        public void WriteChar(int c) { vm.StreamPut(vm.Roots[(int)R.PrintStream], c); }
    }

    /// <summary>Evaluates #. forms and the builders of #P #S #A #C (a nested run of EVAL).
    /// When that run unwinds (an error handled outside READ), Failed tells ReadFromStream
    /// to pass the unwind on instead of reporting a reader error.</summary>
    sealed class ReadHook : IReadEvalHook, IReadMacroHook
    {
        readonly Vm vm;
        public bool Busy, Failed;
        public int InMacro;     // macro character functions running (their READs nest)
        public ReadHook(Vm vm) { this.vm = vm; }

        public bool ReadMacro(int c, out ulong value, out bool got)
        {
            return CallMacro("%READ-MACRO-CALL", W.MakeChar(c), W.Nil, out value, out got);
        }

        public bool ReadSharpMacro(int sub, long arg, out ulong value, out bool got)
        {
            return CallMacro("%READ-SHARP-MACRO-CALL", W.MakeChar(sub), arg < 0 ? W.Nil : M.Fix(arg), out value, out got);
        }

        // (fname stream char arg) in a nested run (lisp/71-io-syntax.lisp): NIL when the
        // function returned no values, else a list of its value.
        bool CallMacro(string fname, ulong ch, ulong arg, out ulong value, out bool got)
        {
            value = W.Nil; got = false;
            ulong fn = vm.SymFunction(vm.Intern(fname));
            if (!W.IsObj(fn)) return false;
            Repl repl = vm.streamReads > 0 ? null : vm.ReplReading;
            if (repl != null) repl.SyncToConsole();
            vm.Push(fn); vm.Push(vm.MacroStream()); vm.Push(ch); vm.Push(arg);
            int nv = vm.Th.Nv;
            InMacro++;
            RunStatus st = vm.CallNested(3, out ulong r);
            InMacro--;
            vm.Th.Nv = nv;
            if (repl != null) repl.SyncFromConsole();
            if (st != RunStatus.Ok) { Failed = true; return false; }
            if (W.IsCons(r)) { value = M.Car(r); got = true; }
            return true;
        }
        public bool ReadEval(ulong form, out ulong value)
        {
            value = W.Nil;
            int m = vm.Heap.RootMark(); int rf = vm.Heap.PushRoot(form);
            ulong ev = vm.SymFunction(vm.Intern("EVAL"));
            form = vm.Heap.Root(rf); vm.Heap.PopRoots(m);
            if (!W.IsObj(ev)) return false;
            vm.Push(ev); vm.Push(form);
            // The nested run leaves its own value count; the READ that called us returns
            // one value, so the caller's count is put back (a #P inside RESTART-CASE
            // would otherwise make READ return the #P's value).
            int nv = vm.Th.Nv;
            Busy = true;
            RunStatus st = vm.CallNested(1, out value);
            Busy = false;
            vm.Th.Nv = nv;
            if (st != RunStatus.Ok) { Failed = true; value = W.Nil; return false; }
            return true;
        }
    }

    sealed class StreamSource : IReadSource
    {
        readonly Vm vm;
        public StreamSource(Vm vm) { this.vm = vm; }
        public int Read() { return Builtins.StreamGetPublic(vm, vm.Roots[(int)R.ReadStream], true); }
        public int Peek() { return Builtins.StreamGetPublic(vm, vm.Roots[(int)R.ReadStream], false); }
        public bool AtRealEnd { get { return true; } }
    }
}

public sealed unsafe partial class Vm
{
    /// <summary>Raw byte to the console (already UTF-8).</summary>
    public void ConsoleByte(byte b)
    {
        if (conLen + 1 >= conBuf.Length) FlushConsole();
        conBuf[conLen++] = b;
        ulong co = Roots[(int)R.ConsoleOut];
        Heap.SetSlot(co, Builtins.SCol, M.Fix(b == '\n' ? 0 : M.FixVal(M.Slot(co, Builtins.SCol)) + 1));
    }
}
