// Issue 14's REPL tools beyond the transcript (tests/transcripts/93-tools.txt): the
// disassembler's opcode table agrees with the peephole pass's instruction lengths for every
// opcode, and every compiled function of the library disassembles without an unknown byte.
using LispVm.Eval;
using Xunit;

namespace LispVm.Tests.Eval;

public class ToolsTests
{
    [Fact]
    public void Opcode_table_widths_match_the_peephole_pass()
    {
        Assert.Equal((int)Op.Count * 2, OpInfo.Table.Length);
        for (int op = 0; op < (int)Op.Count; op++)
        {
            var c = new byte[64];
            c[0] = (byte)op; c[1] = 3;      // TAGDISPATCH: three offsets
            int expect = Compiler.InstructionLength(c, 0, c.Length);
            Assert.True(expect > 0, $"opcode {op} unknown to the peephole pass");
            Assert.True(expect == OpInfo.Length(c, 0), $"opcode {op} ({OpInfo.Name(op)}): peephole {expect}, table {OpInfo.Length(c, 0)}");
        }
        Assert.Equal(-1, OpInfo.Length(new byte[] { (byte)Op.Count }, 0));
    }

    [Fact]
    public void Every_library_function_disassembles()
    {
        using var h = new EvalHost();
        Assert.Equal("(0 T)", h.Eval(
            "(let ((bad 0) (seen 0)) (do-symbols (s (find-package \"COMMON-LISP\")) " +
            "(when (and (fboundp s) (not (macro-function s)) (not (special-operator-p s))) " +
            "(let ((code (%disassemble (fdefinition s)))) (when code (setq seen (+ seen 1))) " +
            "(dolist (i code) (when (equal (cadr i) \"?\") (setq bad (+ bad 1))))))) (list bad (> seen 500)))"));
    }

    [Fact]
    public void Documentation_is_kept_and_settable()
    {
        using var h = new EvalHost();
        h.Eval("(defun tl-f () \"Doc of F.\" 1)");
        Assert.Equal("\"Doc of F.\"", h.Eval("(documentation 'tl-f 'function)"));
        Assert.Equal("\"Doc of F.\"", h.Eval("(documentation #'tl-f 'function)"));
        Assert.Equal("\"New.\"", h.Eval("(setf (documentation 'tl-f 'function) \"New.\")"));
        Assert.Equal("\"New.\"", h.Eval("(documentation 'tl-f 'function)"));
        Assert.Equal("NIL", h.Eval("(documentation 'tl-nothing 'function)"));
        // A lone string is the body, not a docstring.
        h.Eval("(defun tl-g () \"just a value\")");
        Assert.Equal("NIL", h.Eval("(documentation 'tl-g 'function)"));
        Assert.Equal("\"just a value\"", h.Eval("(tl-g)"));
    }

    [Fact]
    public void Y_or_n_p_and_yes_or_no_p_read_the_answer_line()
    {
        using var h = new EvalHost();
        Assert.Equal("Go? (y or n) \nT", h.Eval("(y-or-n-p \"Go?\")\ny"));
        Assert.Equal("Go? (y or n) \nNIL", h.Eval("(y-or-n-p \"Go?\")\nn"));
        Assert.Equal("Sure? (yes or no) \nT", h.Eval("(yes-or-no-p \"Sure?\")\nyes"));
        Assert.Equal("Sure? (yes or no) \nNIL", h.Eval("(yes-or-no-p \"Sure?\")\ny"));
    }
}
