// The peephole pass (src/LispVm.Eval/Compiler/Peephole.cs) rewrites every compiled function:
// drops placeholders and dead code, fuses pairs, remaps jumps. These tests run the same
// forms in a VM that compiles without it and compare the printed results form by form.
using System.Text.RegularExpressions;
using Xunit;

namespace LispVm.Tests.Eval;

public class PeepholeTests
{
    // Unreadable objects print their address; the two heaps differ (code sizes differ).
    static string Norm(string s) => Regex.Replace(s, @"\{[0-9A-F]+\}", "{}");

    static void Same(IEnumerable<string> forms, int stepLimit = 20_000)
    {
        using var on = new EvalHost();
        using var off = new EvalHost(peephole: false);   // its library is compiled without the pass too
        on.Host.Vm.StepLimit = stepLimit; off.Host.Vm.StepLimit = stepLimit;
        int n = 0;
        foreach (string f in forms)
        {
            string text = f + "\n\"#|\" |# ))))\n";
            string a = Norm(on.Eval(text)), b = Norm(off.Eval(text));
            Assert.True(a == b, $"form {n}: {f}\n with peephole: {a}\n without:       {b}");
            n++;
        }
    }

    [Fact]
    public void Patterns_the_pass_rewrites_give_the_same_results()
    {
        Same(new[] {
            "(defun f1 (l) (let ((n 0)) (do ((x l (cdr x))) ((null x) n) (when (eq (car x) 'stop) (return :stopped)) (setq n (+ n 1)))))",
            "(list (f1 '(a b c)) (f1 '(a stop c)) (f1 nil))",
            "(f1 '(a . b))",
            "(defun f2 (x y) (if (not (< y x)) (or (null x) (car y)) (and x y (cdr y))))",
            "(list (f2 1 2) (ignore-errors (f2 2 1)) (f2 '(1) 0))",
            "(defun f3 (a b) (let ((c a) (d b)) (psetq c d d c) (list c d (+ c 1) (- d 2) (* c d))))",
            "(f3 5 7)",
            "(defun f4 (v) (let ((s 0)) (dotimes (i (length v) s) (when (> (svref v i) 2) (setq s (+ s (svref v i)))))))",
            "(f4 #(1 2 3 4 5))",
            "(defun f5 (x) (cond ((eql x 1) :one) ((eql x 1.5) :float) ((eql x (expt 10 20)) :big) ((member x '(a b)) :ab) (t (or x :nil))))",
            "(mapcar #'f5 (list 1 1.5 (expt 10 20) 'b nil 7))",
            "(defun f6 (n) (block out (tagbody top (when (= n 0) (return-from out :done)) (setq n (1- n)) (go top))))",
            "(f6 5)",
            "(defun f7 (l) (let ((a (car l)) (b (cdr l))) (setq a (cdr b)) (list a b)))",
            "(f7 '(1 2 3))",
            "(f7 5)",
            "(defun f8 (x) (multiple-value-list (or (values) (values 1 2) 3)))",
            "(f8 nil)",
            "(defstruct pz a (b 0))",
            "(defun f9 (p) (setf (pz-b p) (+ (pz-a p) (pz-b p))) (list (pz-a p) (pz-b p)))",
            "(list (f9 (make-pz :a 2)) (ignore-errors (f9 3)))",
            // CONSP/ATOM on a local fused with the branch; a branch over a JMP inverted;
            // jumps to jumps threaded (nested WHENs, COND chains, loops that exit early).
            "(defun f10 (l) (let ((n 0)) (dolist (x l n) (if (consp x) (setq n (+ n 10)) (when (atom x) (setq n (+ n 1)))))))",
            "(list (f10 '(1 (2) 3 (4 5))) (f10 nil) (ignore-errors (f10 '(1 . 2))))",
            "(defun f11 (x) (tagbody top (if (atom x) (go end)) (setq x (cdr x)) (go top) end) (list x (consp x) (atom x)))",
            "(list (f11 '(1 2 . 3)) (f11 nil) (f11 7))",
            "(defun f12 (a b) (cond ((and (consp a) (not (consp b))) :a) ((atom a) (if (atom b) :both (when b :b))) (t (or (consp (car a)) :deep))))",
            "(list (f12 '(1) 2) (f12 1 2) (f12 1 '(2)) (f12 '((1)) '(2)) (f12 '(1) '(2)))",
            "(defun f13 (l) (loop for x in l when (consp x) collect (car x) else when (atom x) collect x))",
            "(f13 '(1 (2) 3 (4 5) nil))",
            "(defun f14 (a b) (list (logand a b) (logior a b) (logxor a b) (zerop a) (zerop (logand a b))))",
            "(list (f14 12 10) (f14 0 -1) (f14 (expt 2 70) (1- (expt 2 71))) (f14 -5 3) (ignore-errors (f14 'x 1)) (ignore-errors (zerop 'y)) (zerop 0.0))",
        });
    }

    [Fact]
    public void Inlined_logand_logior_logxor_zerop_agree_with_sbcl()
    {
        // Fixnums take the opcode's fast path; bignums, floats and non-numbers the function's.
        // Expected values printed by SBCL 2.2.9 for the same form.
        using var h = new EvalHost();
        h.Eval("(defun f14 (a b) (list (logand a b) (logior a b) (logxor a b) (zerop a) (zerop (logand a b))))");
        Assert.Equal("((8 14 6 NIL NIL) (0 -1 -1 T T) (1180591620717411303424 2361183241434822606847 1180591620717411303423 NIL NIL) (3 -5 -8 NIL NIL) NIL NIL T)",
            h.Eval("(list (f14 12 10) (f14 0 -1) (f14 (expt 2 70) (1- (expt 2 71))) (f14 -5 3) (ignore-errors (f14 'x 1)) (ignore-errors (zerop 'y)) (zerop 0.0))"));
    }

    [Fact]
    public void A_loop_whose_back_edge_is_a_branch_over_a_jmp_still_polls()
    {
        // (if (consp x) (go top)) is CONSP JNIL x JMP top x:. Inverted to a backward JT it
        // would never reach the JMP's poll: no step limit, no interrupt, no preemption.
        using var h = new EvalHost();
        h.Host.Vm.StepLimit = 100_000;
        Assert.Contains(";; Error: Step limit exceeded.", h.Eval("(let ((x (list 1))) (tagbody top (if (consp x) (go top))))"));
        Assert.Contains(";; Error: Step limit exceeded.", h.Eval("(let ((x (list 1))) (tagbody top (when x (go top))))"));
        Assert.Contains(";; Error: Step limit exceeded.", h.Eval("(defun spin (l) (tagbody top (unless (atom l) (go top))))") + h.Eval("(spin (list 1))"));
        Assert.Equal("2", h.Eval("(1+ 1)"));
    }

    [Fact]
    public void A_dolist_loop_tests_its_list_in_one_instruction()
    {
        using var h = new EvalHost();
        h.Eval("(defun walk (l) (let ((n 0)) (dolist (x l n) (setq n (+ n 1)))))");
        string d = h.Eval("(with-output-to-string (*standard-output*) (disassemble 'walk))");
        Assert.Contains("JATOML", d);                  // LOCAL ATOM JNIL + JMP fused and inverted
        Assert.DoesNotContain("CALLG 'ATOM", d);
        Assert.DoesNotMatch(@"JMP (\d+)\s*\n\s*\1\s", d);   // no JMP to the next instruction
        Assert.Equal("3", h.Eval("(walk '(a b c))"));
    }

    [Fact]
    public void Random_and_mutated_forms_give_the_same_results()
    {
        var seeds = new List<string>();
        string dir = Path.Combine(Transcripts.TranscriptTests.RepoRoot(), "tests", "transcripts");
        foreach (var f in Directory.GetFiles(dir, "*.txt"))
            foreach (var l in File.ReadAllLines(f))
                if (l.StartsWith("(") && !FuzzTests.Forbidden.Any(l.Contains)) seeds.Add(l);
        var r = new Random(4242);
        var forms = new List<string>();
        while (forms.Count < 3000)
        {
            string form = r.Next(2) == 0 ? FuzzTests.Gen(r, 4) : FuzzTests.Mutate(r, seeds[r.Next(seeds.Count)]);
            if (!FuzzTests.Forbidden.Any(form.Contains)) forms.Add(form);
        }
        Same(forms);
    }
}
