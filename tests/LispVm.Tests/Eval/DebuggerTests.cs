// Issue 14: the interactive debugger (lisp/92-debugger.lisp) in a hosted REPL session with
// *interactive-debugger* on: restarts listed and chosen by number, levels, :abort and end of
// input going back one level, the nesting cap, Ctrl-C's CONTINUE (loop and recursion), the
// hook, BREAK, ABORT without a restart, and other green threads running while it waits.
using LispVm.Eval;
using Xunit;

namespace LispVm.Tests.Eval;

public class DebuggerTests
{
    static EvalHost On()
    {
        var h = new EvalHost();
        Assert.Equal("T", h.Eval("(setq *interactive-debugger* t)"));
        return h;
    }

    static string[] Lines(string s) => s.Replace("\r\n", "\n").Split('\n');

    [Fact]
    public void Unbound_variable_lists_restarts_and_use_value_gives_the_result()
    {
        using var h = On();
        string o = h.Eval("(+ 1 dbg-nope)\n1\n41");
        Assert.Contains(";; Error: The variable DBG-NOPE is unbound.", o);
        Assert.Contains("  0: [CONTINUE] Retry using DBG-NOPE.", o);
        Assert.Contains("  1: [USE-VALUE] Use a value for DBG-NOPE instead.", o);
        Assert.Contains("  2: [STORE-VALUE] Set DBG-NOPE to a value and use it.", o);
        Assert.Contains("  3: [ABORT] Return to top level.", o);
        Assert.Contains("1] ", o);
        Assert.EndsWith("42", o);
        Assert.Contains(";; Error: The variable DBG-NOPE is unbound.", h.Eval("dbg-nope"));   // USE-VALUE stored nothing
    }

    [Fact]
    public void Store_value_sets_the_variable_and_continue_retries()
    {
        using var h = On();
        Assert.EndsWith("10", h.Eval("(* 2 dbg-sv)\n2\n5"));
        Assert.Equal("5", h.Eval("dbg-sv"));
        // CONTINUE after giving the variable a value at the debugger's level.
        Assert.EndsWith("8", h.Eval("(+ 1 dbg-late)\n(defparameter dbg-late 7)\n0"));
    }

    [Fact]
    public void Undefined_function_restarts_retry_or_return_a_value()
    {
        using var h = On();
        string o = h.Eval("(list :a (dbg-undef 1 2))\n3\n:dbg-returned");
        Assert.Contains("[RETURN-VALUE] Return a value from the call to DBG-UNDEF.", o);
        Assert.EndsWith("(:A :DBG-RETURNED)", o);
        // Define it at the debugger's level, then CONTINUE retries the call with its arguments.
        o = h.Eval("(list :b (dbg-undef 1 2))\n(defun dbg-undef (x y) (+ x y))\n0");
        Assert.EndsWith("(:B 3)", o);
        // In tail position too.
        h.Eval("(defun dbg-tail (x) (dbg-undef2 x))");
        Assert.EndsWith("(:T 9)", h.Eval("(list :t (dbg-tail 4))\n3\n9"));
    }

    [Fact]
    public void A_users_restart_case_is_listed_and_continued()
    {
        using var h = On();
        string o = h.Eval("(restart-case (error \"mine\") (my-retry () :report \"Try my way.\" :mine) " +
                          "(use-value (v) (list :used v)) (ask (a b) :interactive (lambda () (list 1 2)) (+ a b)))\n1\n(* 6 7)");
        Assert.Contains("  0: [MY-RETRY] Try my way.", o);
        Assert.Contains("  1: [USE-VALUE] USE-VALUE", o);
        Assert.EndsWith("(:USED 42)", o);
        Assert.EndsWith("3", h.Eval("(restart-case (error \"mine\") (ask (a b) :interactive (lambda () (list 1 2)) (+ a b)))\n0"));
        Assert.EndsWith(":MINE", h.Eval("(restart-case (error \"mine\") (my-retry () :mine))\n0"));
    }

    [Fact]
    public void Cerror_offers_its_continue_restart()
    {
        using var h = On();
        string o = h.Eval("(list (cerror \"Go on with ~a.\" \"Bad ~a.\" 7) :after)\n0");
        Assert.Contains(";; Error: Bad 7.", o);
        Assert.Contains("  0: [CONTINUE] Go on with 7.", o);
        Assert.EndsWith("(NIL :AFTER)", o);
    }

    [Fact]
    public void Check_type_offers_store_value()
    {
        using var h = On();
        h.Eval("(defun dbg-ct (x) (check-type x integer) (* x 2))");
        string o = h.Eval("(dbg-ct \"a\")\n0\n21");
        Assert.Contains("[STORE-VALUE] Supply a new value for X.", o);
        Assert.EndsWith("42", o);
    }

    [Fact]
    public void Levels_nest_and_abort_or_end_of_input_go_back_one_level()
    {
        using var h = On();
        string o = h.Eval("(error \"one\")\n(error \"two\")\n:bt\n:abort\n(+ 20 1)\n:a\n(+ 1 1)");
        Assert.Contains("  0: [ABORT] Return to debugger level 1.", o);
        Assert.Contains("2] ", o);
        var l = Lines(o);
        // After :abort at level 2 the form is evaluated at level 1, after :a at the top.
        Assert.Contains("21", l);
        Assert.Equal("2", l[^1]);
        // End of input leaves every level: the next form runs at the top level.
        h.Eval("(error \"three\")\n(error \"four\")");
        Assert.Equal("3", h.Eval("(+ 1 2)"));
        // :top from level 2.
        Assert.EndsWith("5", h.Eval("(error \"five\")\n(error \"six\")\n:top\n(+ 2 3)"));
    }

    [Fact]
    public void Forms_at_a_level_see_the_erring_frames_dynamic_bindings()
    {
        using var h = On();
        h.Eval("(defvar *dbg-dyn* :global)");
        Assert.Contains(":INNER", h.Eval("(let ((*dbg-dyn* :inner)) (error \"in\"))\n*dbg-dyn*\n:top"));
    }

    [Fact]
    public void Nesting_is_capped_at_sixteen_levels()
    {
        using var h = On();
        // 16 levels, the 17th error goes back to the top, where (+ 40 2) runs.
        string input = string.Concat(Enumerable.Repeat("(error \"again\")\n", 17)) + "(+ 40 2)";
        string o = h.Eval(input);
        Assert.Contains("16] ", o);
        Assert.DoesNotContain("17] ", o);
        Assert.Contains(";; Debugger nested 16 levels deep: back to top level.", o);
        Assert.EndsWith("42", o);
    }

    [Fact]
    public void Backtrace_shows_user_frames_with_arguments()
    {
        using var h = On();
        h.Eval("(defun dbg-f (x) (car x))\n(defun dbg-g (y) (list (dbg-f y)))");
        string o = h.Eval("(dbg-g 5)\n:bt\n:top");
        Assert.Contains("  0: (DBG-F 5)", o);
        Assert.Contains("  1: (DBG-G 5)", o);
        Assert.DoesNotContain("%INVOKE-DEBUGGER", o);
        Assert.DoesNotContain("%REPL-EVAL", o);
    }

    [Fact]
    public void Debugger_hook_runs_first_and_break_binds_it_to_nil()
    {
        using var h = On();
        Assert.Equal("(:HOOKED \"boom\")", h.Eval(
            "(catch 'out (let ((*debugger-hook* (lambda (c hook) (throw 'out (list :hooked (princ-to-string c)))))) (error \"boom\")))"));
        string o = h.Eval("(catch 'out (let ((*debugger-hook* (lambda (c hook) (throw 'out :hook)))) (list :broke (break \"b ~a\" 1))))\n0");
        Assert.Contains(";; Break: b 1", o);
        Assert.Contains("[CONTINUE] Return from BREAK.", o);
        Assert.EndsWith("(:BROKE NIL)", o);
        Assert.Equal("(:CONT NIL)", h.Eval("(list :cont (continue))"));
    }

    [Fact]
    public void Abort_without_an_abort_restart_signals_control_error()
    {
        using var h = On();
        // The REPL's forms run under its ABORT restart; EvalText (a file, boot) has none.
        h.Host.Repl.EvalText("(defparameter *dbg-ab* (handler-case (abort) (control-error () :control-error)))", false);
        Assert.Equal(":CONTROL-ERROR", h.Eval("*dbg-ab*"));
        Assert.Equal("", h.Eval("(abort)"));
        Assert.Equal("1", h.Eval("1"));
    }

    [Fact]
    public void Off_keeps_the_one_line_report()
    {
        using var h = new EvalHost();
        Assert.Equal(";; Error: The variable DBG-OFF is unbound.", h.Eval("dbg-off"));
        Assert.Equal(1, h.Host.Repl.Errors);
    }

    // Ctrl-C as the kernel console delivers it: the poller, called every StepLimit safe
    // points, raises the interrupt flag on its Nth call (deterministic, unlike a timer).
    sealed class InterruptAt : IVmPoller
    {
        readonly int[] at; int calls; public int Fired;
        public InterruptAt(params int[] at) { this.at = at; }
        public void Poll(Vm vm) { calls++; if (Array.IndexOf(at, calls) >= 0) { vm.InterruptFlag = 1; Fired++; } }
    }

    [Fact]
    public void Ctrl_c_enters_the_debugger_and_continue_resumes_a_loop()
    {
        using var h = On();
        var poll = new InterruptAt(5);
        h.Host.Vm.Poller = poll; h.Host.Vm.StepLimit = 1000;
        string o = h.Eval("(let ((n 0)) (loop (setq n (+ n 1)) (when (= n 100000) (return (list :done n)))))\n0");
        Assert.Equal(1, poll.Fired);
        Assert.Contains(";; Error: Interrupted.", o);
        Assert.Contains("  0: [CONTINUE] Continue the interrupted computation.", o);
        Assert.EndsWith("(:DONE 100000)", o);
    }

    [Fact]
    public void Ctrl_c_continue_resumes_a_recursion_with_the_right_result()
    {
        using var h = On();
        h.Eval("(defun dbg-fib (n) (if (< n 2) n (+ (dbg-fib (- n 1)) (dbg-fib (- n 2)))))");
        // Interrupted three times inside the recursion (function entry is the safe point),
        // continued each time: the answer must still be right.
        var poll = new InterruptAt(3, 20, 40);
        h.Host.Vm.Poller = poll; h.Host.Vm.StepLimit = 1000;
        string o = h.Eval("(dbg-fib 24)\n0\n0\n0");
        Assert.Equal(3, poll.Fired);
        Assert.Equal(3, o.Split(";; Error: Interrupted.").Length - 1);
        Assert.DoesNotContain("2] ", o);      // each CONTINUE left its level
        Assert.Contains("[CONTINUE] Continue the interrupted computation.", o);
        Assert.EndsWith("46368", o);
    }

    // Console input that arrives late: not ready for `readyAfter` polls, then one line.
    sealed class SlowConsole : IConsoleRefill, IConsolePoll
    {
        public int Polls; readonly int readyAfter; readonly string line; bool given;
        public SlowConsole(int readyAfter, string line) { this.readyAfter = readyAfter; this.line = line; }
        public bool InputReady(Repl repl) => given || ++Polls >= readyAfter;
        public bool Refill(Repl repl)
        {
            if (given) return false;
            given = true;
            byte[] b = System.Text.Encoding.UTF8.GetBytes(line);
            repl.Append(b, b.Length);
            return true;
        }
    }

    [Fact]
    public void Other_green_threads_run_while_the_debugger_waits_for_input()
    {
        using var h = On();
        h.Eval("(defvar *dbg-n* 0)\n(defvar *dbg-stop* nil)");
        h.Eval("(make-thread (lambda () (loop (when *dbg-stop* (return)) (setq *dbg-n* (+ *dbg-n* 1)) (thread-yield))))");
        var slow = new SlowConsole(300, "(list :counted (> *dbg-n* 100))\n");
        h.Host.Repl.Refill = slow; h.Host.Repl.Poll = slow;
        string o = h.Eval("(error \"wait\")");
        Assert.True(slow.Polls >= 300, $"polls {slow.Polls}");
        Assert.Contains("(:COUNTED T)", o);
        h.Host.Repl.Refill = null; h.Host.Repl.Poll = null;
        h.Eval("(setq *dbg-stop* t)\n(sleep 0.05)");
    }
}
