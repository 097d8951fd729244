// Feeds many random and mutated forms to the REPL core: nothing may crash or hang (a
// per-form step limit ends loops) and the REPL must still answer afterwards. Bounded by
// a form count and a wall-clock budget so a run stays under about a minute.
using System.Diagnostics;
using System.Text;
using Xunit;

namespace LispVm.Tests.Eval;

public class FuzzTests
{
    readonly Xunit.Abstractions.ITestOutputHelper log;
    public FuzzTests(Xunit.Abstractions.ITestOutputHelper log) { this.log = log; }

    static readonly string[] Ops = {
        "car", "cdr", "cons", "list", "list*", "append", "reverse", "length", "nth", "nthcdr", "+", "-", "*", "/",
        "=", "<", ">", "1+", "1-", "floor", "mod", "eq", "eql", "equal", "not", "null", "if", "progn", "let", "let*",
        "lambda", "funcall", "apply", "values", "multiple-value-list", "block", "return-from", "catch", "throw",
        "unwind-protect", "tagbody", "go", "handler-case", "ignore-errors", "error", "signal", "quote", "function",
        "vector", "aref", "make-string", "string", "symbol-name", "intern", "format", "prin1-to-string", "mapcar",
        "assoc", "member", "gethash", "make-hash-table", "setq", "flet", "labels", "macrolet", "dolist", "dotimes",
        "loop", "when", "unless", "cond", "and", "or", "case", "typep", "type-of", "coerce", "subseq", "sort",
    };
    static readonly string[] Atoms = { "0", "1", "-7", "3.5", "1/3", "nil", "t", "x", "y", "'a", "\"s\"", "#\\c", ":k", "'(1 2)", "#(1 2)", "most-positive-fixnum", "100000000000000000000" };
    internal static readonly string[] Forbidden = { "defun", "defmacro", "defvar", "defparameter", "defconstant", "quit", "exit", "setf", "define-condition", "defstruct", "in-package", "%set", "makunbound", "fmakunbound", "(set ", "defsetf", "deftype", "defgeneric", "defmethod", "proclaim", "declaim", "export", "make-package", "%",
        "dribble", "get-internal-real-time" };   // no files written; no results that differ run to run

    internal static string Gen(Random r, int depth)
    {
        if (depth <= 0 || r.Next(3) == 0) return Atoms[r.Next(Atoms.Length)];
        var sb = new StringBuilder("(");
        sb.Append(Ops[r.Next(Ops.Length)]);
        int n = r.Next(4);
        for (int i = 0; i < n; i++) { sb.Append(' '); sb.Append(Gen(r, depth - 1)); }
        if (r.Next(20) == 0) sb.Append(" . 1");
        sb.Append(')');
        return sb.ToString();
    }

    internal static string Mutate(Random r, string form)
    {
        var sb = new StringBuilder(form);
        int k = 1 + r.Next(3);
        for (int i = 0; i < k && sb.Length > 0; i++)
        {
            int p = r.Next(sb.Length);
            switch (r.Next(4))
            {
                case 0: sb.Remove(p, 1); break;
                case 1: sb.Insert(p, "()'`,#1 a"[r.Next(9)]); break;
                case 2: sb.Insert(p, " " + Gen(r, 2) + " "); break;
                default: sb[p] = ' '; break;
            }
        }
        return sb.ToString();
    }

    [Fact]
    public void Random_and_mutated_forms_never_crash_the_repl() { Run(false, 100_000); }

    // With the interactive debugger on, every error opens a level and the next forms are its
    // commands: digits choose restarts (USE-VALUE, CONTINUE, RETURN-VALUE return values into
    // the erring frame), other forms run inside the error. The first run found the VM
    // resuming a frame past its tail call this way, after a mutated seed had turned it on.
    [Fact]
    public void Random_and_mutated_forms_with_the_debugger_on_never_crash_the_repl() { Run(true, 30_000); }

    void Run(bool debugger, int forms)
    {
        // LISPVM_GC_STRESS=1 (and _FULL, LISPVM_GC_VERIFY) apply here too: with a small
        // LISPVM_FUZZ_FORMS, a collection at every allocation the forms make.
        using var h = new EvalHost(LispVm.Hosted.LispHost.OptionsFromEnvironment(512));
        h.Host.Vm.StepLimit = 20_000;
        if (debugger) Assert.Equal("T", h.Eval("(setq *interactive-debugger* t)"));
        var seeds = new List<string>();
        string dir = Path.Combine(Transcripts.TranscriptTests.RepoRoot(), "tests", "transcripts");
        // One order on every checkout; LISPVM_FUZZ_SEED_ORDER="a.txt b.txt ..." replays another
        // (issue 14's note has the order that found a VM crash).
        var files = Directory.GetFiles(dir, "*.txt").OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (Environment.GetEnvironmentVariable("LISPVM_FUZZ_SEED_ORDER") is string order)
            files = order.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(n => Path.Combine(dir, n)).ToList();
        foreach (var f in files)
            foreach (var l in File.ReadAllLines(f))
                if (l.StartsWith("(") && !Forbidden.Any(l.Contains)) seeds.Add(l);
        var r = new Random(12345);
        var sw = Stopwatch.StartNew();
        int count = 0;
        int target = int.TryParse(Environment.GetEnvironmentVariable("LISPVM_FUZZ_FORMS"), out int t) ? t : forms;
        if (int.TryParse(Environment.GetEnvironmentVariable("LISPVM_FUZZ_RANDOM_SEED"), out int rs)) r = new Random(rs);
        while (count < target && sw.Elapsed.TotalSeconds < 240)
        {
            string form = r.Next(2) == 0 || seeds.Count == 0 ? Gen(r, 4) : Mutate(r, seeds[r.Next(seeds.Count)]);
            if (Forbidden.Any(form.Contains)) continue;
            // Close any open form so the next one starts fresh; a stray ')' is a reader error.
            if (Environment.GetEnvironmentVariable("LISPVM_FUZZ_TRACE") is string tf) File.WriteAllText(tf, form);
            try { h.Eval(form + "\n\"#|\" |# ))))\n"); }
            catch (Exception e) { throw new Exception("form " + count + ": " + form, e); }
            count++;
        }
        h.Host.Repl.FeedEof();
        log.WriteLine($"fuzz: {count} forms in {sw.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine($"fuzz: {count} forms in {sw.Elapsed.TotalSeconds:F1} s");
        // The issue asks for 100,000 forms: fewer (the 240 s guard hit) is a failure, not a pass.
        Assert.True(count >= target, $"only {count} of {target} forms in 240 s");
        if (debugger) h.Eval(":top");   // out of any debugger level the last forms left open
        Assert.Equal("3", h.Eval("(+ 1 2)").Split('\n').Last().Trim());
    }
}
