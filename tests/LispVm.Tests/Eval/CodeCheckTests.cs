// Issue 19: one operand-width table (Vm/OpInfo.cs) checked against real code. Every compiled
// function in the heap — the library booted hosted (with and without the peephole pass) and
// the same library loaded from a heap image — decodes from start to end with the table:
// lengths land on the end, jumps on instruction starts, constant indices inside the constant
// vector, slots below the frame size. Hand-made code vectors show each fault is caught, and
// a length table with one wrong width makes the checker reject library functions.
using LispVm.Eval;
using LispVm.Gc;
using LispVm.Hosted;
using Xunit;

namespace LispVm.Tests.Eval;

public unsafe class CodeCheckTests
{
    static void AssertHeapDecodes(Heap heap, int atLeast, bool optimised)
    {
        int n = CodeCheck.CheckHeap(heap, optimised, out int bad, out ulong first, out CodeFault fault, out int at);
        string name = bad > 0 ? NameOf(first) : "";
        Assert.True(bad == 0, $"{bad} of {n} functions fail; first {name}: {CodeCheck.Name(fault)} at {at}");
        Assert.True(n >= atLeast, $"only {n} compiled functions found in the heap");
    }

    static string NameOf(ulong fn)
    {
        ulong name = M.Slot(fn, Fn.Name);
        if (!W.IsSymbol(name)) return "(anonymous)";
        ulong pn = M.Slot(name, Sy.Name);
        return M.Is(pn, ObjType.String8) ? System.Text.Encoding.Latin1.GetString(M.Raw(pn), M.Len(pn)) : "?";
    }

    [Fact]
    public void Every_function_of_the_booted_library_decodes()
    {
        using var h = new EvalHost();
        AssertHeapDecodes(h.Host.Heap, 2000, true);
        // The same walk from Lisp, after a user function with closures, &key and a TAGBODY.
        h.Eval("(defun cc-f (l &key (k 1)) (let ((acc nil)) (dolist (x l) (let ((y x)) (push (lambda () (+ y k)) acc))) " +
               "(tagbody again (when (> k 5) (go done)) (incf k) (go again) done) (mapcar #'funcall acc)))");
        Assert.Equal("(8 7)", h.Eval("(cc-f '(1 2) :k 1)"));
        string all = h.Eval("(%check-all-code)");
        Assert.Matches(@"^\(\d+ 0\)$", all);
        Assert.Equal("NIL", h.Eval("(%check-code #'cc-f)"));
        Assert.Equal("NIL", h.Eval("(%check-code (let ((y 3)) (lambda (x) (setq y (+ x y)))))"));
        Assert.Equal("NIL", h.Eval("(%check-code #'car)"));
    }

    [Fact]
    public void Every_function_decodes_without_the_peephole_pass()
    {
        using var h = new EvalHost(peephole: false);
        AssertHeapDecodes(h.Host.Heap, 2000, false);
    }

    [Fact]
    public void Every_function_of_a_loaded_heap_image_decodes()
    {
        var a = new LispHost(new HeapOptions { LimitBytes = 256UL << 20 }, false, (b, n) => { });
        byte[] img = HeapImage.Save(a.Vm);
        a.Heap.Destroy();
        Assert.NotNull(img);
        var h = new LispHost(new HeapOptions { LimitBytes = 256UL << 20 }, false, (b, n) => { }, img);
        Assert.Null(h.ImageRefused);
        AssertHeapDecodes(h.Heap, 2000, true);
        h.Heap.Destroy();
    }

    // ---- hand-made code vectors ----

    static CodeFault Check(byte[] code, out int at, int nclosed = -1, byte[] lens = null)
    {
        fixed (byte* c = code) return CodeCheck.Check(c, code.Length, W.Nil, nclosed, lens ?? OpInfo.Len, true, out at);
    }

    // (lambda (x) (if x 1 2)) as the compiler writes it: ARGS 1 0 0 frame=1; LOCAL 0;
    // JNIL 17; FIX8 1; RET1; 17: FIX8 2; RET1.
    static byte[] Good() => new byte[] {
        (byte)Op.Args, 1, 0, 0, 1, 0,
        (byte)Op.Local, 0, 0,
        (byte)Op.JNil, 17, 0, 0, 0,
        (byte)Op.Fix8, 1, (byte)Op.Ret1,
        (byte)Op.Fix8, 2, (byte)Op.Ret1 };

    [Fact]
    public void A_hand_made_function_decodes()
    {
        Assert.Equal(CodeFault.None, Check(Good(), out _));
    }

    [Fact]
    public void A_wrongly_emitted_width_is_caught()
    {
        // LOCAL written with a one-byte slot (as an emitter with a wrong width would): the
        // decoder then reads the JNIL's opcode as the slot's high byte and falls out of step.
        byte[] c = { (byte)Op.Args, 1, 0, 0, 1, 0, (byte)Op.Local, 0,
            (byte)Op.JNil, 16, 0, 0, 0, (byte)Op.Fix8, 1, (byte)Op.Ret1, (byte)Op.Fix8, 2, (byte)Op.Ret1 };
        Assert.NotEqual(CodeFault.None, Check(c, out _));
    }

    [Fact]
    public void A_wrong_width_in_the_table_is_caught()
    {
        foreach (int delta in new[] { 1, -1 })
        {
            // One width off: decoding falls out of step (a NOP where the slot's high byte
            // is, the JNIL's offset read as an opcode...).
            byte[] lens = (byte[])OpInfo.Len.Clone();
            lens[(int)Op.Local] = (byte)(lens[(int)Op.Local] + delta);
            Assert.NotEqual(CodeFault.None, Check(Good(), out _, -1, lens));
            lens = (byte[])OpInfo.Len.Clone();
            lens[(int)Op.JNil] = (byte)(lens[(int)Op.JNil] + delta);
            Assert.NotEqual(CodeFault.None, Check(Good(), out _, -1, lens));
        }
    }

    [Fact]
    public void A_wrong_width_for_any_opcode_the_library_uses_is_caught()
    {
        using var h = new EvalHost();
        Heap heap = h.Host.Heap;
        // Which opcodes the library uses (decoded with the right table).
        var used = new bool[256];
        var notBeforeOneByte = new bool[256];   // some occurrence is followed by a longer instruction
        var fns = new List<ulong>();
        ulong cursor = 0;
        for (ulong fn = heap.NextObject(ref cursor, ObjType.Function); fn != 0; fn = heap.NextObject(ref cursor, ObjType.Function))
        {
            ulong cv = M.Slot(fn, Fn.Code);
            if (cv == W.Nil) continue;
            fns.Add(fn);
            byte* c = M.Raw(cv);
            for (int p = 0; p < M.Len(cv); p += OpInfo.Length(c, p, M.Len(cv)))
            {
                used[c[p]] = true;
                int q = p + OpInfo.Length(c, p, M.Len(cv));
                if (q >= M.Len(cv) || OpInfo.Len[c[q]] != 1) notBeforeOneByte[c[p]] = true;
            }
        }
        int tried = 0;
        var missed = new List<string>();
        for (int op = 0; op < (int)Op.Count; op++)
        {
            if (!used[op] || op == (int)Op.TagDispatch) continue;
            foreach (int delta in new[] { 1, -1 })
            {
                if (OpInfo.Len[op] + delta < 1) continue;
                // A one-byte op always followed by another one-byte op (MVACC before MVACC or
                // MVCALLN): one byte wider skips a whole instruction and stays in step, which
                // no decode can see. Every other wrong width must be caught.
                if (delta == 1 && OpInfo.Len[op] == 1 && !notBeforeOneByte[op]) continue;
                byte[] lens = (byte[])OpInfo.Len.Clone();
                lens[op] = (byte)(lens[op] + delta);
                int caught = 0;
                foreach (ulong fn in fns)
                {
                    ulong cv = M.Slot(fn, Fn.Code);
                    if (CodeCheck.Check(M.Raw(cv), M.Len(cv), M.Slot(fn, Fn.Consts), -1, lens, true, out _) != CodeFault.None) caught++;
                }
                if (caught == 0) missed.Add($"{OpInfo.Name(op)}:{lens[op]}");
                tried++;
            }
        }
        Assert.True(tried > 80, $"only {tried} opcode widths tried");
        Assert.True(missed.Count == 0, $"{missed.Count} of {tried} wrong widths pass every library function: {string.Join(" ", missed)}");
    }

    [Fact]
    public void Each_fault_is_reported_with_its_offset()
    {
        byte[] c = Good(); c[10] = 15;                       // JNIL into FIX8's operand
        Assert.Equal(CodeFault.JumpIntoInstruction, Check(c, out int at)); Assert.Equal(9, at);
        c = Good(); c[10] = 200;                            // past the end
        Assert.Equal(CodeFault.JumpOutside, Check(c, out at)); Assert.Equal(9, at);
        c = Good(); c[7] = 1;                               // slot 1 of a one-slot frame
        Assert.Equal(CodeFault.SlotIndex, Check(c, out at)); Assert.Equal(6, at);
        c = Good(); c[6] = (byte)Op.Const;                  // constant 0 of none
        Assert.Equal(CodeFault.ConstIndex, Check(c, out at)); Assert.Equal(6, at);
        c = Good(); c[6] = (byte)Op.Closed;                 // closure variable 0 of none
        Assert.Equal(CodeFault.ClosureIndex, Check(c, out at, 0)); Assert.Equal(6, at);
        Assert.Equal(CodeFault.None, Check(c, out _, 1));
        c = Good(); c[6] = (byte)Op.Count;                  // no such opcode
        Assert.Equal(CodeFault.BadOpcode, Check(c, out at)); Assert.Equal(6, at);
        c = Good(); Array.Resize(ref c, c.Length - 2);     // the last FIX8 without its operand
        Assert.Equal(CodeFault.Truncated, Check(c, out at)); Assert.Equal(c.Length - 1, at);
        c = Good(); c[^1] = (byte)Op.Pop;                   // runs off the end
        Assert.Equal(CodeFault.FallsOffEnd, Check(c, out _));
        // LT fused with a branch that is not there.
        c = new byte[] { (byte)Op.Args, 0, 0, 0, 0, 0, (byte)Op.Fix8, 1, (byte)Op.Fix8, 2, (byte)Op.LtJ, (byte)Op.Ret1 };
        Assert.Equal(CodeFault.FusedWithoutBranch, Check(c, out at)); Assert.Equal(10, at);
        // TAGDISPATCH: each offset is checked.
        c = new byte[] { (byte)Op.Args, 0, 0, 0, 0, 0, (byte)Op.Fix8, 0, (byte)Op.TagDispatch, 2, 18, 0, 0, 0, 11, 0, 0, 0,
            (byte)Op.Nil, (byte)Op.Ret1 };
        Assert.Equal(CodeFault.JumpIntoInstruction, Check(c, out at)); Assert.Equal(8, at);
        c[14] = 18;
        Assert.Equal(CodeFault.None, Check(c, out _));
    }
}
