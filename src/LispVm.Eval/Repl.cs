// The platform-neutral REPL core: fed input bytes (UTF-8), writes through IPlatform.
// Reads forms from its line buffer with the reader ("need more" keeps the partial form),
// evaluates each through the Lisp EVAL (top-level progn handling, macroexpansion), prints
// the values, and keeps going after errors (the condition system prints ";; Error: ..."
// and aborts to this run's base). :bt prints the last error's backtrace.
using LispVm.Gc;
using LispVm.Reader;

namespace LispVm.Eval;

/// <summary>Blocks until more console input may have been appended (Repl.Append); false
/// at end of input. The hosted lispvm reads stdin here; without one, a READ on
/// *standard-input* sees only what was already typed.</summary>
public interface IConsoleRefill
{
    bool Refill(Repl repl);
}

/// <summary>Whether console input is there without waiting (the debugger polls it while
/// other green threads run).</summary>
public interface IConsolePoll
{
    /// <summary>True when a read would not block: input waits, or the input has ended.</summary>
    bool InputReady(Repl repl);
}

public sealed unsafe class Repl : IConsoleIn
{
    readonly Vm vm;
    readonly int[] buf;
    int len, pos;
    int utfNeed, utfAcc;
    // After a read error the rest of its line is skipped; when that line has not all
    // arrived yet (a long line fed in pieces), the skipping goes on in the pieces to come.
    bool skipLine;
    readonly BufSource src;
    public bool ShowPrompt = true;
    /// <summary>Forms (and read errors) that ended in an unhandled error or abort; `lispvm -e`
    /// exits 1 when it is nonzero.</summary>
    public int Errors;
    public bool Done { get { return vm.QuitRequested; } }
    bool atPrompt;

    /// <summary>bufferChars bounds one form typed or pasted at the prompt (default 1M
    /// characters; the kernel uses 256K to keep start-up memory small — files go through LOAD).</summary>
    public Repl(Vm vm, int bufferChars = 1 << 20)
    {
        this.vm = vm;
        buf = new int[bufferChars];
        src = new BufSource(this);
        vm.SetSymValue(vm.Sym(S.PackageVar), vm.Heap.UserPackage);
        vm.ConsoleIn = this;
    }

    /// <summary>See IConsoleRefill.</summary>
    public IConsoleRefill Refill;
    /// <summary>See IConsolePoll; without one a read is taken to be ready (it may block).</summary>
    public IConsolePoll Poll;

    /// <summary>True when reading the console would not block (%CONSOLE-INPUT-READY-P).</summary>
    public bool InputReady()
    {
        if (pos < len || Refill == null || Poll == null) return true;
        return Poll.InputReady(this);
    }

    // *standard-input* reads the REPL's own input after the current form (CL semantics:
    // (read-line) at the prompt takes the next line typed).
    bool HaveInput()
    {
        while (pos >= len)
        {
            if (Refill == null || !Refill.Refill(this)) return false;
        }
        return true;
    }
    int IConsoleIn.Read() { return HaveInput() ? buf[pos++] : -1; }
    int IConsoleIn.Peek() { return HaveInput() ? buf[pos] : -1; }
    void IConsoleIn.Unread() { if (pos > 0) pos--; }
    bool IConsoleIn.Ready() { return InputReady(); }

    /// <summary>Append input bytes without evaluating (for IConsoleRefill).</summary>
    public void Append(byte[] data, int n)
    {
        for (int i = 0; i < n; i++) AddByte(data[i]);
    }

    public void Start() { Prompt(); }

    void Prompt()
    {
        if (ShowPrompt && !atPrompt)
        {
            if (vm.ConsoleColumn != 0) vm.ConsoleString("\n");
            vm.ConsoleString("* ");
            atPrompt = true;
        }
        vm.FlushConsole();
    }

    /// <summary>Feed raw input bytes; evaluates every complete form.</summary>
    public void Feed(byte[] data, int n)
    {
        for (int i = 0; i < n; i++) AddByte(data[i]);
        Process(false);
    }

    /// <summary>True while a form is incomplete (non-blank input waits for more lines):
    /// the kernel console shows its secondary prompt then.</summary>
    public bool InForm
    {
        get
        {
            for (int i = pos; i < len; i++)
            {
                if (buf[i] == ';') { while (i < len && buf[i] != '\n') i++; continue; }
                if (buf[i] > ' ') return true;
            }
            return false;
        }
    }

    /// <summary>Drop buffered input (Ctrl-C at the prompt discards a partial form).</summary>
    public void DiscardInput() { pos = len = 0; utfNeed = 0; skipLine = false; }

    /// <summary>True while a debugger level reads the console (*%DEBUG-LEVEL*, 92-debugger.lisp,
    /// above 0): the line editors put its input lines into the history. Looked up, not
    /// interned: nothing is allocated or exported.</summary>
    public bool InDebugger
    {
        get
        {
            ulong sym = vm.Heap.FindSymbol("*%DEBUG-LEVEL*", vm.Roots[(int)R.ClPackage], out SymbolStatus st);
            if (st == SymbolStatus.None) return false;
            ulong v = vm.SymValue(sym);
            return W.IsFixnum(v) && W.FixVal(v) > 0;
        }
    }

    /// <summary>Mark the prompt as shown by the caller, or not (the kernel console reprints it).</summary>
    public bool AtPrompt { get { return atPrompt; } set { atPrompt = value; } }

    /// <summary>End of input: evaluate a final form that lacks a closing delimiter.</summary>
    public void FeedEof() { Process(true); vm.FlushConsole(); }

    void AddByte(byte b)
    {
        if (utfNeed > 0 && (b & 0xC0) == 0x80)
        {
            utfAcc = (utfAcc << 6) | (b & 0x3F);
            if (--utfNeed == 0) AddChar(utfAcc);
            return;
        }
        utfNeed = 0;
        if (b < 0x80) AddChar(b == '\r' ? '\n' : b);
        else if ((b & 0xE0) == 0xC0) { utfAcc = b & 0x1F; utfNeed = 1; }
        else if ((b & 0xF0) == 0xE0) { utfAcc = b & 0x0F; utfNeed = 2; }
        else if ((b & 0xF8) == 0xF0) { utfAcc = b & 0x07; utfNeed = 3; }
        else AddChar('?');
    }

    void AddChar(int c)
    {
        if (skipLine) { if (c == '\n') skipLine = false; return; }
        if (len >= buf.Length)
        {
            // Compact; if a single form fills the buffer, drop it with an error.
            if (pos > 0) { for (int i = pos; i < len; i++) buf[i - pos] = buf[i]; len -= pos; pos = 0; }
            if (len >= buf.Length)
            {
                // The rest of its line is skipped too (as after a read error): before, it was
                // read piece by piece as new forms (a 1 MB pasted list printed its elements).
                len = pos = 0;
                Errors++;
                atPrompt = false;
                if (vm.ConsoleColumn != 0) vm.ConsoleString("\n");
                vm.ConsoleString(";; Error: Input form too long.\n");
                Prompt();
                if (c != '\n') { skipLine = true; return; }
            }
        }
        buf[len++] = c;
    }

    void Process(bool atEnd)
    {
        while (!vm.QuitRequested)
        {
            src.P = pos; src.RealEnd = atEnd;
            int formStart = pos;   // a macro character's function moves pos (SyncToConsole)
            vm.ReplReading = this;
            ReadStatus st = vm.Reader.Read(src, vm.ReplReadOptions(), out ulong form);
            vm.ReplReading = null;
            if (st == ReadStatus.NeedMore) { if (!atEnd) { pos = formStart; return; } pos = len; break; }
            if (st == ReadStatus.Eof) { pos = len; break; }
            if (st == ReadStatus.Error)
            {
                vm.ReplReadFailed();
                atPrompt = false;
                Errors++;
                vm.ConsoleString(";; Error: ");
                for (int i = 0; i < vm.Reader.ErrorLength; i++) vm.ConsoleByte(vm.Reader.ErrorText[i]);
                vm.ConsoleString("\n");
                // Skip the rest of the line.
                int p = src.P;
                while (p < len && buf[p] != '\n') p++;
                pos = p < len ? p + 1 : len;
                // The line's end is still to come (a piece of a long line): without this its
                // rest would be read as new forms, and a '"' in it would swallow what follows.
                if (p >= len && !atEnd) skipLine = true;
                Prompt();
                continue;
            }
            pos = src.P;
            // Eat the rest of the line if it is only whitespace (so the prompt follows the echo).
            int q = pos;
            while (q < len && (buf[q] == ' ' || buf[q] == '\t')) q++;
            if (q < len && buf[q] == '\n') pos = q + 1;
            atPrompt = false;
            EvalPrint(form);
            Prompt();
        }
        if (pos >= len) { pos = len = 0; }
    }

    /// <summary>Evaluate one form and print its values (or the error).</summary>
    public void EvalPrint(ulong form)
    {
        Heap h = vm.Heap;
        vm.ResetSteps();
        vm.InterruptFlag = 0;   // a Ctrl-C typed at the prompt does not hit the next form
        vm.TrimStacks();        // frames a deep recursion committed go back
        int m0 = h.RootMark(); int r0 = h.PushRoot(form);
        ulong bt = vm.Intern(":BT"), btf = vm.Intern("BACKTRACE");
        form = h.Root(r0); h.PopRoots(m0);
        if (form == bt) { form = h.Cons(btf, W.Nil); }
        m0 = h.RootMark(); r0 = h.PushRoot(form);
        ulong ev = vm.SymFunction(vm.Intern("%REPL-EVAL"));
        form = h.Root(r0); h.PopRoots(m0);
        RunStatus st;
        if (W.IsObj(ev))
        {
            vm.Push(ev); vm.Push(form);
            st = vm.CallNested(1, out ulong r);
            if (st != RunStatus.Ok) Errors++;
        }
        else
        {
            int m = h.RootMark(); int rf = h.PushRoot(form);
            ulong thunk = vm.Comp.CompileToplevel(h.Root(rf));
            h.PopRoots(m);
            if (thunk == Vm.Fail)
            {
                Errors++;
                if (vm.PendN > 0) { vm.FallbackError(); }
                vm.PendUnwind = false;
                vm.FlushConsole();
                return;
            }
            vm.Push(thunk);
            st = vm.CallNested(0, out ulong r2);
            if (st != RunStatus.Ok) Errors++;
            if (st == RunStatus.Ok)
            {
                int nv = vm.Th.Nv;
                if (nv == 1) { vm.Th.Mv[0] = r2; }
                for (int i = 0; i < nv; i++)
                {
                    if (vm.ConsoleColumn != 0) vm.ConsoleString("\n");
                    vm.PrintTo(vm.Th.Mv[i], vm.Roots[(int)R.ConsoleOut], true);
                    vm.ConsoleString("\n");
                }
            }
        }
        vm.PendUnwind = false;
        vm.FlushConsole();
    }

    /// <summary>Evaluate a whole source text (boot files, -e, LOAD of a C#-side file);
    /// returns false at the first error.</summary>
    public bool EvalText(string text, bool print)
    {
        ulong s = vm.Heap.MakeString(text);
        return EvalLispString(s, print);
    }

    public bool EvalLispString(ulong str, bool print)
    {
        Heap h = vm.Heap;
        int m = h.RootMark();
        int rs = h.PushRoot(vm.MakeStream(Builtins.KStringIn, str));
        h.SetSlot(h.Root(rs), Builtins.SEnd, M.Fix(M.Len(M.Slot(h.Root(rs), Builtins.SBuf))));
        bool ok = true;
        for (; ; )
        {
            ulong form = vm.ReadFromStream(h.Root(rs), out bool eof);
            if (form == Vm.Fail)
            {
                if (vm.PendN > 0) vm.FallbackError();
                ok = false; break;
            }
            if (eof) break;
            int rf = h.PushRoot(form);
            if (print) EvalPrint(h.Root(rf));
            else if (!EvalQuiet(h.Root(rf))) ok = false;
            h.PopRoots(rf);
            if (vm.QuitRequested) break;
        }
        h.PopRoots(m);
        vm.FlushConsole();
        return ok;
    }

    /// <summary>Evaluate without printing values; false on error (already reported).</summary>
    public bool EvalQuiet(ulong form)
    {
        Heap h = vm.Heap;
        int m0 = h.RootMark(); int r0 = h.PushRoot(form);
        ulong ev = vm.SymFunction(vm.Intern("%EVAL-TOPLEVEL"));
        form = h.Root(r0); h.PopRoots(m0);
        if (W.IsObj(ev))
        {
            vm.Push(ev); vm.Push(form);
            RunStatus st0 = vm.CallNested(1, out ulong rr0);
            vm.PendUnwind = false;
            return st0 == RunStatus.Ok;
        }
        int m = h.RootMark(); int rf = h.PushRoot(form);
        ulong thunk = vm.Comp.CompileToplevel(h.Root(rf));
        h.PopRoots(m);
        if (thunk == Vm.Fail) { if (vm.PendN > 0) vm.FallbackError(); vm.PendUnwind = false; return false; }
        vm.Push(thunk);
        RunStatus st = vm.CallNested(0, out ulong r);
        vm.PendUnwind = false;
        return st == RunStatus.Ok;
    }

    // A macro character's function reads *standard-input* (this REPL's buffer from pos):
    // the reader's position goes there before the call and comes back after it.
    internal void SyncToConsole() { pos = src.P; }
    internal void SyncFromConsole() { src.P = pos; }

    sealed class BufSource : IReadSource
    {
        readonly Repl r;
        public int P;
        public bool RealEnd;
        public BufSource(Repl r) { this.r = r; }
        public int Read() { return P < r.len ? r.buf[P++] : -1; }
        public int Peek() { return P < r.len ? r.buf[P] : -1; }
        public bool AtRealEnd { get { return RealEnd; } }
    }
}
