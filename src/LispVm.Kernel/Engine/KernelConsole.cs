// Why: the REPL's console in the image. On an interactive console (Xen's raw pty, a Linux
// tty in raw mode) bytes go through the LineDiscipline (echo, editing, Ctrl-C/Ctrl-D) and
// whole lines (or pieces of long ones) reach the Repl; on a Linux pipe bytes go straight
// in. While Lisp runs, the VM's poller reads the console without blocking: Ctrl-C sets
// Vm.InterruptFlag, other bytes wait in a typeahead queue; output is flushed (and `xl
// shutdown` checked) every 20 ms. With a network (KernelNet) the poller also runs on a
// pipe, and it, the idle prompt and every wait pump the stack, so ping and the UDP echo
// answer while a form runs or the prompt waits.
// The Repl is fed whole lines: a symbol cut at the end of a read would be taken as complete
// (reader), so a line longer than the buffer is handed over in pieces cut at whitespace.
// READ/READ-LINE on *standard-input* while a form runs wait here (Refill) for the next
// line, which is appended to the Repl's input instead of being evaluated.
// With the network REPL (repl=), green threads run while the prompt waits (%IDLE-SERVE
// returns when console input is ready) and after the console's input has ended.
#if LISPVM_ENGINE
using LispVm.Eval;
using LispVm.Gc;
using XenPv.Console;

namespace LispVm.Kernel
{
    internal sealed unsafe class KernelConsole : IVmPoller, IConsoleRefill, IConsolePoll
    {
        const int TypeaheadSize = 8192;
        const ulong FlushEveryNs = 20000000;
        const int IdleBalloonSteps = 64;
        public const long PollEverySteps = 20000;

        readonly Platform _p;
        readonly KernelLispPlatform _out;
        readonly Repl _repl;
        readonly Vm _vm;
        readonly KernelMemory _memory;
        readonly KernelNet _net;            // null: no network
        readonly LineDiscipline _ld;
        readonly byte[] _typeahead = new byte[TypeaheadSize];
        int _taHead, _taCount;
        readonly byte[] _read = new byte[512];
        const int PendingMax = 2 * LineDiscipline.DefaultLineMax;
        readonly byte[] _pending = new byte[PendingMax + 1];
        readonly byte[] _feeding = new byte[PendingMax + 1];
        readonly byte[] _handed;      // the line being handed over (HandOver), sized as the discipline's
        int _pendingLen;
        ulong _lastFlush;
        bool _refilling;       // inside Refill: lines are appended to the Repl, not evaluated
        readonly string _secondary = "  ";

        public KernelConsole(Platform p, KernelLispPlatform output, Vm vm, Repl repl, bool interactive, KernelMemory memory, KernelNet net)
        {
            _p = p; _out = output; _vm = vm; _repl = repl; _memory = memory; _net = net;
            repl.Refill = this;
            repl.Poll = this;
            if (interactive)
            {
                _ld = new LineDiscipline(p.NewLine) { Width = p.ConsoleColumns };
                _handed = new byte[_ld.Line.Length];
            }
            // heap-policy=cgroup on a pipe too: the limit follows memory.max while a form runs.
            if (interactive || net != null || memory.NeedsPolling)
            {
                vm.Poller = this;
                vm.StepLimit = PollEverySteps;
            }
        }

        // How long a wait for input may block. Console input, xenstore (shutdown, mem-set) and
        // network frames wake the guest by event, so an idle guest without a network sleeps
        // for the safety net only (issue 20: 100 idle guests must cost the host no CPU; the
        // 1 s wake-up cost ~0.9% of a CPU per guest in the lab). The network's timers need
        // their slices; a balloon that has not converged in IdleBalloonSteps goes on in 1 s.
        const ulong SafetyNetNs = 60000000000UL;
        bool _balloonBusy;

        ulong IdleDeadline()
        {
            ulong wait = _net != null ? KernelNet.WaitSliceNs : _balloonBusy ? 1000000000UL : SafetyNetNs;
            return _p.MonotonicNs() + wait;
        }

        // Bounded balloon work before a wait; remembers whether work is left. A step that only
        // moved to "collect at the next safe point" changed nothing yet, so where collecting is
        // safe the loop goes on while work is left (before, it stopped there, and mem-set below
        // the free frames waited for the next wake-up).
        void BalloonSteps(bool mayCollect)
        {
            int i = 0;
            while (i < IdleBalloonSteps && (_memory.Step(mayCollect) || (mayCollect && _memory.HasWork))) i++;
            _balloonBusy = _memory.HasWork;
        }

        void PumpNet() { if (_net != null) _net.Pump(); }

        public void Poll(Vm vm)
        {
            ulong now = _p.MonotonicNs();
            if (now - _lastFlush >= FlushEveryNs)
            {
                _vm.FlushConsole();
                _p.Flush();
                _lastFlush = now;
                _p.PollControl();         // `xl shutdown` also stops a running computation
            }
            // Frames that arrived (ping, the UDP echo, datagrams for a socket) and stack timers.
            PumpNet();
            // `xl mem-set` while a form runs: collecting only at a VM safe point.
            _memory.Step(vm.PollMayCollect);
            int room = TypeaheadSize - _taCount;
            if (room <= 0) return;       // the rest waits in the console ring / pipe
            int n;
            fixed (byte* b = _read) n = _p.Read(b, room < _read.Length ? room : _read.Length);
            for (int i = 0; i < n; i++)
            {
                byte c = _read[i];
                // ^C (an interactive console only: on a pipe it is data) also drops typeahead.
                if (c == 0x03 && _ld != null) { Interrupt(); continue; }
                Enqueue(c);
            }
        }

        // The debugger waits for a line while other green threads run: bytes typed so far go
        // to the typeahead (Ctrl-C interrupts, as in Poll); ready once any byte or the end is there.
        public bool InputReady(Repl repl)
        {
            if (_taCount > 0) return true;
            int n;
            fixed (byte* b = _read) n = _p.Read(b, _read.Length);
            if (n < 0) return true;
            for (int i = 0; i < n; i++)
            {
                byte c = _read[i];
                if (c == 0x03 && _ld != null) { Interrupt(); continue; }
                if (_taCount < TypeaheadSize) Enqueue(c);
            }
            return _taCount > 0;
        }

        // ^C: interrupts the running form and drops typeahead. At the idle prompt, where the
        // network REPL's threads run (%IDLE-SERVE), it is no form's: it goes to the line
        // discipline as typed (a fresh prompt), and %IDLE-SERVE returns as for any input.
        bool _idling;
        void Interrupt()
        {
            _taCount = 0;
            if (_idling) Enqueue(0x03); else _vm.InterruptFlag = 1;
        }

        // Puts bytes back at the front of the typeahead (they were read before anything in it);
        // false, nothing put back, when they do not fit.
        bool Prepend(byte* b, int n)
        {
            if (n <= 0) return true;
            if (n > TypeaheadSize - _taCount) return false;
            _taHead = (_taHead - n + TypeaheadSize) % TypeaheadSize;
            for (int k = 0; k < n; k++) _typeahead[(_taHead + k) % TypeaheadSize] = b[k];
            _taCount += n;
            return true;
        }

        void Enqueue(byte c)
        {
            _typeahead[(_taHead + _taCount) % TypeaheadSize] = c;
            _taCount++;
        }

        // The next input bytes into _read: typeahead first (bytes that arrived while Lisp
        // ran), else what the console has now. Count, 0 = nothing yet, -1 = end of input.
        int NextInput()
        {
            if (_taCount == 0) { fixed (byte* b = _read) return _p.Read(b, _read.Length); }
            int n = 0;
            while (_taCount > 0 && n < _read.Length)
            {
                _read[n++] = _typeahead[_taHead];
                _taHead = (_taHead + 1) % TypeaheadSize;
                _taCount--;
            }
            return n;
        }

        // The width query (Xen console without `cols=`): DECSC, the cursor as far right as the
        // row goes, CSI 6n (where is it?), DECRC. Nothing waits for the answer: the line editor
        // notes a cursor report whenever it comes (ReportedColumn), and the first one after the
        // query sets the width (until then `cols=` or 80). A terminal that never answers costs nothing.
        bool _widthAsked;
        void AskWidth()
        {
            if (_ld == null || !_p.AsksConsoleWidth) return;
            _p.Write("\u001b7\u001b[999C\u001b[6n\u001b8");
            _p.Flush();
            _widthAsked = true;
        }

        void TakeWidth()
        {
            if (_widthAsked)
            {
                _p.SetConsoleColumns(_ld.ReportedColumn);
                _ld.Width = _p.ConsoleColumns;
                _widthAsked = false;
            }
            _ld.ReportedColumn = 0;
        }

        // The main loop; returns the exit code (quit, Ctrl-D or end of input).
        public int Run()
        {
            AskWidth();
            byte* batch = stackalloc byte[512];
            for (;;)
            {
                int n = NextInput();
                if (n < 0)
                {
                    FeedPending(_pendingLen);
                    _repl.FeedEof();
                    _p.Flush();
                    // The network REPL (repl=) keeps serving after the console's input ended.
                    while (_vm.ServeInBackground && !_vm.QuitRequested && _vm.BackgroundThreadsAlive)
                        _repl.EvalText("(%idle-serve t)", false);
                    return _vm.QuitRequested ? _vm.QuitCode : 0;
                }
                if (n == 0)
                {
                    _p.Flush();
                    // At the prompt no form runs: the balloon may collect, and converges before
                    // the next wait (bounded: each step moves at most Balloon.StepFrames).
                    BalloonSteps(true);
                    // Green threads (the network REPL's sessions) run while the prompt waits,
                    // until console input comes.
                    if (_vm.ServeInBackground && _vm.BackgroundThreadsAlive)
                    {
                        _idling = true;
                        _repl.EvalText("(%idle-serve nil)", false);
                        _idling = false;
                        continue;
                    }
                    PumpNet();
                    _p.WaitForInput(IdleDeadline());
                    PumpNet();
                    continue;
                }
                if (_ld == null)
                {
                    fixed (byte* b = _read) Append(b, n, false);
                    _p.Flush();
                    if (_repl.Done) return _vm.QuitCode;
                    continue;
                }
                // Interactive: the bytes of this batch are copied out first, since Feed may run
                // Lisp whose poller refills _read (bytes typed meanwhile queue behind them).
                for (int i = 0; i < n; i++) batch[i] = _read[i];
                _ld.Width = _p.ConsoleColumns;          // SIGWINCH may have changed it
                _ld.PromptColumn = 2;                   // "* " or the secondary "  "
                for (int i = 0; i < n; i++)
                {
                    LineEvent ev = _ld.Feed(batch[i]);
                    if (_ld.ReportedColumn != 0) TakeWidth();
                    EchoOut();
                    if (ev == LineEvent.None) continue;
                    if (ev == LineEvent.Eof)
                    {
                        _p.Write(_p.NewLine);
                        _p.Flush();
                        return 0;
                    }
                    if (ev == LineEvent.Interrupt)
                    {
                        _repl.DiscardInput();
                        _pendingLen = 0;
                        _ld.TakeLine();
                        Prompt();
                        continue;
                    }
                    // The rest of the batch goes back to the typeahead before the line runs: a form
                    // that reads the console (the debugger, READ-LINE) finds the lines typed
                    // after it there (before, it waited for input already read, in this batch).
                    if (Prepend(batch + i + 1, n - i - 1)) n = i + 1;
                    HandOver(ev == LineEvent.Line);
                    if (_repl.Done) { _p.Flush(); return _vm.QuitCode; }
                }
                _p.Flush();
            }
        }

        // A running form reads *standard-input* and the Repl's input is used up: wait for the
        // next line (typeahead first), echoing and editing as at the prompt. False at end of
        // input, Ctrl-D or Ctrl-C (the interrupt is then delivered to the form).
        public bool Refill(Repl repl)
        {
            _vm.FlushConsole();
            _p.Flush();
            _refilling = true;
            if (_ld != null)
            {
                _ld.EndForm();                      // the running form goes into the history
                // The form's own prompt (the debugger's "1] ", a READ-LINE prompt) ends here.
                _ld.PromptColumn = (int)_vm.ConsoleColumn;
            }
            bool got = false, end = false;
            while (!got && !end)
            {
                int n = NextInput();
                if (n < 0) { int had = _pendingLen; FeedPending(_pendingLen); got = had > 0; end = true; break; }
                if (n == 0)
                {
                    if (_vm.InterruptFlag != 0) { end = true; break; }
                    _p.Flush();
                    // A form waits for a line: frames may move, collecting waits for a safe point.
                    BalloonSteps(false);
                    PumpNet();
                    _p.WaitForInput(IdleDeadline());
                    PumpNet();
                    continue;
                }
                if (_ld == null)
                {
                    fixed (byte* b = _read) Append(b, n, false);
                    got = true;
                    continue;
                }
                for (int i = 0; i < n; i++)
                {
                    byte c = _read[i];
                    LineEvent ev = _ld.Feed(c);
                    if (_ld.ReportedColumn != 0) TakeWidth();
                    EchoOut();
                    if (ev == LineEvent.None) continue;
                    if (ev == LineEvent.Eof) { end = true; break; }
                    if (ev == LineEvent.Interrupt) { _ld.TakeLine(); _vm.InterruptFlag = 1; end = true; break; }
                    // Bytes after this line wait in the typeahead for the next reader, in front of
                    // any typed later.
                    fixed (byte* rb = _read)
                        if (!Prepend(rb + i + 1, n - i - 1))
                            for (int k = i + 1; k < n && _taCount < TypeaheadSize; k++) Enqueue(_read[k]);
                    bool line = ev == LineEvent.Line;
                    if (line) _vm.Heap.SetSlot(_vm.Roots[(int)R.ConsoleOut], Builtins.SCol, M.Fix(0));
                    fixed (byte* b = _ld.Line) Append(b, _ld.Length, line);
                    _ld.TakeLine();
                    // Data for the program is not history; the debugger's input is (a
                    // restart number, :bt, a form typed at "1] "; each line its own entry).
                    if (line) { if (_repl.InDebugger) _ld.EndForm(); else _ld.DiscardForm(); }
                    got = true;
                    break;
                }
            }
            _refilling = false;
            _p.Flush();
            return got;
        }

        void EchoOut()
        {
            int e = _ld.EchoLength;
            if (e == 0) return;
            fixed (byte* b = _ld.EchoBuffer) _p.Write(b, e);    // may wait for the ring; bounded: an over-long line echoes its first 4 KiB only
            _ld.ClearEcho();
        }

        // Bytes for the Repl: everything up to the last line end goes in now; the rest waits
        // unless it is too long, then it goes up to its last whitespace.
        void Append(byte* b, int n, bool endOfLine)
        {
            for (int i = 0; i < n; i++)
            {
                if (_pendingLen >= PendingMax) FeedPending(CutPoint(_pendingLen));
                _pending[_pendingLen++] = b[i];
            }
            if (endOfLine)
            {
                if (_pendingLen >= PendingMax) FeedPending(CutPoint(_pendingLen));
                _pending[_pendingLen++] = (byte)'\n';
            }
            int last = _pendingLen - 1;
            while (last >= 0 && _pending[last] != (byte)'\n') last--;
            if (last >= 0) FeedPending(last + 1);
        }

        int CutPoint(int len)
        {
            for (int i = len - 1; i > 0; i--)
            {
                byte c = _pending[i];
                if (c == (byte)' ' || c == (byte)'\t' || c == (byte)'(' || c == (byte)')') return i + 1;
            }
            return len;
        }

        // Feeds the first n pending bytes to the Repl, keeps the rest.
        void FeedPending(int n)
        {
            if (n <= 0) return;
            // Take the bytes out of _pending before the Repl sees them: evaluating them may
            // come back here (Refill, for READ-LINE) and must not find them again.
            for (int i = 0; i < n; i++) _feeding[i] = _pending[i];
            for (int i = n; i < _pendingLen; i++) _pending[i - n] = _pending[i];
            _pendingLen -= n;
            if (_refilling) _repl.Append(_feeding, n); else _repl.Feed(_feeding, n);
        }

        // A line (with its newline) or a piece of a long line goes to the Repl; afterwards the
        // prompt: the Repl's own after a result, the secondary one inside an open form.
        void HandOver(bool endOfLine)
        {
            int len = _ld.Length;
            if (len > _handed.Length) len = _handed.Length;
            // The line leaves the line discipline before the Repl runs it: a form that reads the
            // console (READ-LINE, the debugger) edits the next line there (Refill), which used
            // to start with this one's bytes still in it.
            for (int i = 0; i < len; i++) _handed[i] = _ld.Line[i];
            _ld.TakeLine();
            // The echoed line end put the cursor at column 0 (the VM's fresh-line must know).
            if (endOfLine) _vm.Heap.SetSlot(_vm.Roots[(int)R.ConsoleOut], Builtins.SCol, M.Fix(0));
            long before = _out.BytesWritten;
            fixed (byte* b = _handed) Append(b, len, endOfLine);
            // A whole form was read: its lines become one history entry.
            if (endOfLine && !_repl.InForm) _ld.EndForm();
            _vm.FlushConsole();
            if (!endOfLine) return;
            if (_out.BytesWritten != before) return;        // the Repl printed (and prompted)
            if (_repl.InForm) _p.Write(_secondary);
            else Prompt();
        }

        void Prompt()
        {
            _p.Write("* ");
            _repl.AtPrompt = true;
            _p.Flush();
        }
    }
}
#endif
