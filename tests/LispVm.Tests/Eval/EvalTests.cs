// Engine behaviour that transcripts cannot express well: very deep input, interrupts,
// step limits, compiler errors that must not crash, and that state survives errors.
using Xunit;

namespace LispVm.Tests.Eval;

public class EvalTests
{
    [Fact]
    public void Arithmetic_and_definitions_survive_errors()
    {
        using var h = new EvalHost();
        Assert.Equal("SQ", h.Eval("(defun sq (x) (* x x))"));
        Assert.Contains(";; Error: The value A is not of type NUMBER.", h.Eval("(sq 'a)"));
        Assert.Equal("49", h.Eval("(sq 7)"));
    }

    [Fact]
    public void A_compile_error_inside_a_closure_over_an_assigned_variable_is_an_error_not_a_crash()
    {
        // Found by the fuzzer: the failed lambda's code was discarded, then LET patched its
        // captured-and-assigned variable's access sites in it (IndexOutOfRange in the compiler).
        using var h = new EvalHost();
        Assert.Contains(";; Error: Malformed call", h.Eval("(let ((n 0)) (mapc (lambda (x) (incf n) (cdr (list . 1))) '(1 2)) n)"));
        Assert.Equal("3", h.Eval("(+ 1 2)"));
    }

    [Fact]
    public void A_function_needing_more_operand_stack_than_the_vm_guarantees_is_refused()
    {
        // The VM indexes its value stack unchecked; the compiler bounds each function's
        // operand depth (Compiler.MaxOperandDepth = 3500) instead.
        using var h = new EvalHost();
        string args = string.Join(" ", Enumerable.Range(0, 200)) + " ";
        string Nest(int k) => string.Concat(Enumerable.Repeat("(list " + args, k)) + "0" + new string(')', k);
        Assert.Equal("201", h.Eval("(length " + Nest(15) + ")"));
        Assert.Contains(";; Error: Form too large to compile.", h.Eval("(length " + Nest(20) + ")"));
        Assert.Equal("3", h.Eval("(+ 1 2)"));
    }

    [Fact]
    public void Nconc_does_not_walk_its_last_list()
    {
        // (mapcon (lambda (l) '(x)) '(a b)) makes a circular list: NCONC must not loop on it.
        using var h = new EvalHost();
        Assert.Equal("T", h.Eval("(let ((x (mapcon (lambda (l) '(x y)) '(a b)))) (eq (cddr x) x))"));
    }

    [Fact]
    public void Nconc_of_a_circular_list_before_the_last_is_a_type_error()
    {
        // Found by the fuzzer (it hung): MAPCAN of a function returning one quoted list makes
        // (nconc l l l l); the third argument is circular by then.
        using var h = new EvalHost();
        Assert.Contains("is not of type LIST", h.Eval("(mapcan (lambda (x) '(if (evenp x) (list x))) '(1 2 3 4))"));
        Assert.Contains("is not of type LIST", h.Eval("(let ((l (list 1 2))) (rplacd (cdr l) l) (nconc l 3))"));
        Assert.Contains("is not of type LIST", h.Eval("(let ((l (list 1))) (rplacd l l) (nconc (list 0) l (list 2)))"));
        Assert.Equal("(1 2 3 4 . 5)", h.Eval("(nconc (list 1) nil (list 2 3) (list 4) 5)"));
        Assert.Equal("3", h.Eval("(+ 1 2)"));
    }

    [Fact]
    public void Deeply_nested_code_gives_a_clean_error()
    {
        using var h = new EvalHost();
        const int n = 100_000;
        string form = string.Concat(Enumerable.Repeat("(list ", n)) + "1" + new string(')', n);
        string r = h.Eval(form);
        Assert.Contains(";; Error: Form too deeply nested", r);
        Assert.Equal("3", h.Eval("(+ 1 2)"));
    }

    [Fact]
    public void Deeply_nested_data_is_fine()
    {
        using var h = new EvalHost();
        const int n = 100_000;
        string data = new string('(', n) + new string(')', n);
        Assert.Equal("1", h.Eval("(length '" + data + ")"));
        Assert.Equal("99999", h.Eval("(let ((x '" + data + ") (d 0)) (loop while (consp x) do (setq x (car x) d (1+ d))) d)"));
    }

    [Fact]
    public void Deep_recursion_is_a_storage_condition_not_a_crash()
    {
        using var h = new EvalHost();
        h.Eval("(defun deep (n) (if (= n 0) 0 (1+ (deep (1- n)))))");
        Assert.Contains(";; Error: Stack exhausted.", h.Eval("(deep 100000000)"));
        Assert.Equal("CAUGHT", h.Eval("(handler-case (deep 100000000) (storage-condition () 'caught))"));
        Assert.Equal("5000", h.Eval("(deep 5000)"));
    }

    [Fact]
    public void Tail_calls_run_in_constant_stack()
    {
        using var h = new EvalHost();
        h.Eval("(defun cnt (n acc) (if (= n 0) acc (cnt (1- n) (1+ acc))))");
        Assert.Equal("3000000", h.Eval("(cnt 3000000 0)"));
    }

    [Fact]
    public void Interrupt_flag_stops_a_loop_and_the_repl_continues()
    {
        using var h = new EvalHost();
        // The REPL clears the flag before each form (a Ctrl-C typed at the prompt must not
        // hit the next form), so raise it the way Ctrl-C does: while the form runs.
        var vm = h.Host.Vm;
        using var timer = new System.Threading.Timer(_ => vm.InterruptFlag = 1, null, 200, 200);
        Assert.Contains(";; Error: Interrupted.", h.Eval("(loop)"));
        timer.Change(System.Threading.Timeout.Infinite, System.Threading.Timeout.Infinite);
        Assert.Equal("OK", h.Eval("'ok"));
    }

    [Fact]
    public void Step_limit_ends_runaway_forms()
    {
        using var h = new EvalHost();
        h.Host.Vm.StepLimit = 100_000;
        Assert.Contains(";; Error: Step limit exceeded.", h.Eval("(loop)"));
        Assert.Equal("2", h.Eval("(1+ 1)"));
    }

    [Fact]
    public void Compiler_errors_are_lisp_errors()
    {
        using var h = new EvalHost();
        Assert.Contains(";; Error: ", h.Eval("(let ((1 2)) 3)"));
        Assert.Contains(";; Error: GO to unknown tag", h.Eval("(go nowhere)"));
        Assert.Contains(";; Error: RETURN-FROM unknown block", h.Eval("(return-from nowhere 1)"));
        Assert.Contains(";; Error: Illegal function call", h.Eval("((1 2) 3)"));
        Assert.Equal("CAUGHT", h.Eval("(handler-case (eval '(go nowhere)) (program-error () 'caught))"));
    }

    [Fact]
    public void Multi_line_forms_wait_for_completion()
    {
        using var h = new EvalHost();
        Assert.Equal("", h.Eval("(+ 1"));
        Assert.Equal("3", h.Eval("2)"));
    }

    [Fact]
    public void Reader_errors_do_not_lose_state()
    {
        using var h = new EvalHost();
        h.Eval("(defvar *kept* 7)");
        Assert.Contains(";; Error:", h.Eval(")"));
        Assert.Equal("7", h.Eval("*kept*"));
    }
}
