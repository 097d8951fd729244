// Why: the hosted `lispvm` on a terminal gets the image's line editor (issue 14): the same
// XenPv.Console.LineDiscipline (history, Emacs keys, C-r, wrapping redraw), not a second
// one. The terminal goes to raw mode (termios; given back on exit, SIGTERM and SIGHUP); a
// reader thread takes stdin, so Ctrl-C (a byte now, ISIG is off) interrupts a running form
// and typeahead waits; whole lines go to the Repl; READ-LINE and the debugger edit their
// lines here too (Refill), and the debugger's lines go into the history.
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using LispVm.Eval;
using XenPv.Console;

namespace LispVm.Hosted;

public sealed unsafe class HostedTerminal : IConsoleRefill, IConsolePoll
{
    const int LineMax = 65536;            // longer lines reach the Repl in pieces, joined here
    const int PendingMax = 4 << 20;       // a line past this goes to the Repl as it is (too long)

    readonly LispHost host;
    readonly Repl repl;
    readonly Vm vm;
    readonly HostedPlatform platform;
    readonly LineDiscipline ld = new LineDiscipline("\r\n", LineMax);
    readonly Stream stdout = Console.OpenStandardOutput();
    readonly Queue<byte> queue = new Queue<byte>();
    readonly List<byte> pending = new List<byte>();
    bool eof;
    volatile bool evaluating;             // a form runs (not reading a line): Ctrl-C interrupts it

    HostedTerminal(LispHost host)
    {
        this.host = host; repl = host.Repl; vm = host.Vm; platform = host.Platform;
        repl.Refill = this;
        repl.Poll = this;
    }

    /// <summary>Runs the REPL on the terminal; null when stdin is no terminal (or not Linux).</summary>
    public static int? TryRun(LispHost host)
    {
        if (!OperatingSystem.IsLinux() || !RawMode.Enter()) return null;
        try { return new HostedTerminal(host).Run(); }
        finally { RawMode.Leave(); }
    }

    int Run()
    {
        var reader = new Thread(ReadStdin) { IsBackground = true, Name = "stdin" };
        reader.Start();
        repl.ShowPrompt = true;
        repl.Start();
        for (;;)
        {
            int b = Next();
            if (b < 0) { repl.FeedEof(); Write("\r\n"); return vm.QuitRequested ? vm.QuitCode : 0; }
            ld.Width = Columns();
            ld.PromptColumn = 2;                  // "* " or the secondary "  "
            LineEvent ev = ld.Feed((byte)b);
            EchoOut();
            if (ev == LineEvent.None) continue;
            if (ev == LineEvent.Eof) { Write("\r\n"); return 0; }
            if (ev == LineEvent.Interrupt)
            {
                repl.DiscardInput();
                pending.Clear();
                ld.TakeLine();
                Prompt();
                continue;
            }
            HandOver(ev == LineEvent.Line);
            if (vm.QuitRequested) return vm.QuitCode;
        }
    }

    // A line (or a piece of a long one) leaves the editor; a whole line goes to the Repl,
    // then the prompt: the Repl's after a result, the secondary one inside an open form.
    void HandOver(bool endOfLine)
    {
        for (int i = 0; i < ld.Length; i++) pending.Add(ld.Line[i]);
        ld.TakeLine();
        if (!endOfLine && pending.Count < PendingMax) return;
        if (endOfLine)
        {
            pending.Add((byte)'\n');
            vm.Heap.SetSlot(vm.Roots[(int)R.ConsoleOut], Builtins.SCol, M.Fix(0));   // the echoed line end
        }
        byte[] bytes = pending.ToArray();
        pending.Clear();
        long before = platform.BytesWritten;
        evaluating = true;
        try { repl.Feed(bytes, bytes.Length); }
        finally { evaluating = false; }
        if (endOfLine && !repl.InForm) ld.EndForm();     // a whole form: one history entry
        vm.FlushConsole();
        if (!endOfLine || platform.BytesWritten != before) return;
        if (repl.InForm) Write("  "); else Prompt();
    }

    void Prompt() { Write("* "); repl.AtPrompt = true; }

    // A running form reads *standard-input* (READ-LINE, the debugger): the next line, edited
    // as at the prompt. False at end of input, Ctrl-D or Ctrl-C (then the form is interrupted).
    public bool Refill(Repl r)
    {
        vm.FlushConsole();
        ld.EndForm();                             // the running form goes into the history
        ld.PromptColumn = (int)vm.ConsoleColumn;  // the form's own prompt ("1] ") ends here
        evaluating = false;
        try
        {
            for (;;)
            {
                int b = Next();
                if (b < 0) return false;
                LineEvent ev = ld.Feed((byte)b);
                EchoOut();
                if (ev == LineEvent.None) continue;
                if (ev == LineEvent.Eof) return false;
                if (ev == LineEvent.Interrupt) { ld.TakeLine(); vm.InterruptFlag = 1; return false; }
                bool line = ev == LineEvent.Line;
                byte[] bytes = new byte[ld.Length + (line ? 1 : 0)];
                for (int i = 0; i < ld.Length; i++) bytes[i] = ld.Line[i];
                if (line) { bytes[^1] = (byte)'\n'; vm.Heap.SetSlot(vm.Roots[(int)R.ConsoleOut], Builtins.SCol, M.Fix(0)); }
                ld.TakeLine();
                r.Append(bytes, bytes.Length);
                // Data for the program is not history; the debugger's input is.
                if (line) { if (r.InDebugger) ld.EndForm(); else ld.DiscardForm(); }
                return true;
            }
        }
        finally { evaluating = true; }
    }

    public bool InputReady(Repl r) { lock (queue) return queue.Count > 0 || eof; }

    // The next typed byte, waiting for one; -1 at end of input.
    int Next()
    {
        lock (queue)
        {
            while (queue.Count == 0 && !eof) Monitor.Wait(queue);
            return queue.Count > 0 ? queue.Dequeue() : -1;
        }
    }

    void ReadStdin()
    {
        // read(2) on fd 0: Console.OpenStandardInput on a terminal reads through .NET's own
        // line editor (echo and all).
        var buf = new byte[4096];
        for (;;)
        {
            long n;
            fixed (byte* p = buf) n = RawMode.read(0, p, (ulong)buf.Length);
            if (n < 0 && Marshal.GetLastPInvokeError() == 4) continue;      // EINTR
            lock (queue)
            {
                if (n <= 0) { eof = true; Monitor.PulseAll(queue); return; }
                for (int i = 0; i < n; i++)
                {
                    // ^C while a form runs interrupts it and drops what was typed ahead.
                    if (buf[i] == 0x03 && evaluating) { vm.InterruptFlag = 1; queue.Clear(); continue; }
                    queue.Enqueue(buf[i]);
                }
                Monitor.PulseAll(queue);
            }
        }
    }

    void EchoOut()
    {
        if (ld.EchoLength == 0) return;
        vm.FlushConsole();
        stdout.Write(ld.EchoBuffer, 0, ld.EchoLength);
        stdout.Flush();
        ld.ClearEcho();
    }

    void Write(string s)
    {
        vm.FlushConsole();
        var b = System.Text.Encoding.UTF8.GetBytes(s);
        stdout.Write(b, 0, b.Length);
        stdout.Flush();
    }

    // The width from TIOCGWINSZ on stdout, asked before every key (SIGWINCH needs no handler
    // then). Not Console.WindowWidth: touching it sets up .NET's own terminal handling, which
    // turns the tty's echo and line mode back on.
    static int Columns()
    {
        ushort* ws = stackalloc ushort[4];
        if (RawMode.ioctl(1, TIOCGWINSZ, ws) != 0 || ws[1] == 0) return 80;
        return ws[1];
    }
    const ulong TIOCGWINSZ = 0x5413;

    // termios raw mode on stdin (Linux x86-64/arm64 layout): no canonical input, echo,
    // signals or flow control; output processing stays (LF shows as CR LF).
    static class RawMode
    {
        const uint ICRNL = 0x100, IXON = 0x400, ISIG = 0x1, ICANON = 0x2, ECHO = 0x8, IEXTEN = 0x8000;
        const int VTIME = 5, VMIN = 6, CcOffset = 17;
        static byte[] saved;
        static PosixSignalRegistration term, hup;

        [DllImport("libc", SetLastError = true)] static extern int tcgetattr(int fd, byte* t);
        [DllImport("libc", SetLastError = true)] static extern int tcsetattr(int fd, int act, byte* t);
        [DllImport("libc")] static extern int isatty(int fd);
        [DllImport("libc", SetLastError = true)] internal static extern long read(int fd, byte* buf, ulong count);
        [DllImport("libc")] internal static extern int ioctl(int fd, ulong request, ushort* arg);

        public static bool Enter()
        {
            if (isatty(0) == 0) return false;
            var t = new byte[128];
            fixed (byte* p = t) if (tcgetattr(0, p) != 0) return false;
            saved = (byte[])t.Clone();
            fixed (byte* p = t)
            {
                uint* f = (uint*)p;
                f[0] &= ~(ICRNL | IXON);                        // c_iflag
                f[3] &= ~(ISIG | ICANON | ECHO | IEXTEN);        // c_lflag
                p[CcOffset + VMIN] = 1; p[CcOffset + VTIME] = 0;
                if (tcsetattr(0, 0, p) != 0) return false;
            }
            AppDomain.CurrentDomain.ProcessExit += (s, e) => Leave();
            term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Leave());
            hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => Leave());
            return true;
        }

        public static void Leave()
        {
            var t = saved;
            if (t == null) return;
            fixed (byte* p = t) tcsetattr(0, 0, p);
        }
    }
}
