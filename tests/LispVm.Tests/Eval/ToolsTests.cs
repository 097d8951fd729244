// Issue 14's REPL tools beyond the transcript (tests/transcripts/93-tools.txt): the one
// opcode table gives every opcode its documented width, and every compiled function of the
// library disassembles without an unknown byte.
using LispVm.Eval;
using Xunit;

namespace LispVm.Tests.Eval;

public class ToolsTests
{
    [Fact]
    public void Opcode_table_gives_every_opcode_a_width()
    {
        // One table (OpInfo) now serves the peephole pass, DISASSEMBLE and the checker; the
        // widths below are Op.cs's documented layouts, checked against the derived lengths.
        Assert.Equal((int)Op.Count * 2, OpInfo.Table.Length);
        Assert.Equal(256, OpInfo.Len.Length);
        for (int op = 0; op < (int)Op.Count; op++)
        {
            var c = new byte[64];
            c[0] = (byte)op; c[1] = 3;      // TAGDISPATCH: three offsets
            int n = OpInfo.Length(c, 0);
            Assert.True(n > 0, $"opcode {op} ({OpInfo.Name(op)}) has no length");
            Assert.Equal(n, OpInfo.Length(c, 0, n));
            Assert.Equal(-1, OpInfo.Length(c, 0, n - 1));   // truncated
        }
        for (int op = (int)Op.Count; op < 256; op++) Assert.Equal(-1, OpInfo.Length(new byte[] { (byte)op, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 0));
        (Op, int)[] documented = { (Op.Nop, 1), (Op.Args, 6), (Op.Keys, 6), (Op.Fix8, 2), (Op.Local, 3), (Op.Closed, 3),
            (Op.Jmp, 5), (Op.JBound, 7), (Op.CallG, 4), (Op.Call, 2), (Op.BlockE, 6), (Op.LocalFix8, 4), (Op.Local2, 5),
            (Op.JNilL, 7), (Op.SRef, 7), (Op.SSetK, 9), (Op.LocalSRef, 9), (Op.EqlJ, 3), (Op.ASet3, 3) };
        foreach (var (op, len) in documented) Assert.True(len == OpInfo.Len[(int)op], $"{op}: {OpInfo.Len[(int)op]}, documented {len}");
        Assert.Equal(2 + 4 * 3, OpInfo.Length(new byte[] { (byte)Op.TagDispatch, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 0));
        // Jump operands sit where the 'a' letter is.
        Assert.Equal(1, OpInfo.JumpAt[(int)Op.Jmp]);
        Assert.Equal(3, OpInfo.JumpAt[(int)Op.JBound]);
        Assert.Equal(2, OpInfo.JumpAt[(int)Op.BlockE]);
        Assert.Equal(0, OpInfo.JumpAt[(int)Op.Local]);
        Assert.Equal(0, OpInfo.JumpAt[(int)Op.TagDispatch]);
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
