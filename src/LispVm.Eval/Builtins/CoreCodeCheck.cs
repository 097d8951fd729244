// Why: the bytecode checker (Vm/CodeCheck.cs) from Lisp, so the image itself can say
// whether every function in its heap decodes with the opcode table: (%CHECK-CODE fn) for
// one function (a closure is checked against the variables it captured), (%CHECK-ALL-CODE)
// for the whole heap, including the library mapped from the heap image. The walk
// allocates nothing; the answer is consed after it.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    static void RegisterCodeCheck(Builtins b)
    {
        b.Def("%CHECK-CODE", 1, 1, &CheckCodeFn);
        b.Def("%CHECK-ALL-CODE", 0, 0, &CheckAllCode);
    }

    /// <summary>(%CHECK-CODE fn): NIL when fn's code decodes cleanly (or fn is a builtin),
    /// else (fault-name offset).</summary>
    static ulong CheckCodeFn(Vm vm, Args a)
    {
        ulong f = a[0];
        if (!(W.IsObj(f) && (M.Type(f) == ObjType.Function || M.Type(f) == ObjType.Closure))) return vm.TypeError(f, "FUNCTION");
        ulong fo = FnObj(f);
        ulong cv = M.Slot(fo, Fn.Code);
        if (cv == W.Nil) return W.Nil;
        int nclosed = M.Type(f) == ObjType.Closure ? M.Len(f) - 1 : -1;
        CodeFault fault = M.Is(cv, ObjType.ByteVector)
            ? CodeCheck.Check(M.Raw(cv), M.Len(cv), M.Slot(fo, Fn.Consts), nclosed, out int at)
            : CodeCheck.CheckFunction(fo, out at);
        if (fault == CodeFault.None) return W.Nil;
        Heap h = vm.Heap;
        int m = h.RootMark();
        int r = h.PushRoot(h.Cons(M.Fix(at), W.Nil));
        ulong res = h.Cons(h.MakeString(CodeCheck.Name(fault)), h.Root(r));
        h.PopRoots(m);
        return res;
    }

    /// <summary>(%CHECK-ALL-CODE): (checked bad) for every compiled function in the heap,
    /// with (... first-bad-function fault-name offset) appended when one fails.</summary>
    static ulong CheckAllCode(Vm vm, Args a)
    {
        Heap h = vm.Heap;
        int n = CodeCheck.CheckHeap(h, out int bad, out ulong first, out CodeFault fault, out int at);
        int m = h.RootMark();
        int rf = h.PushRoot(first);
        int rl = h.PushRoot(W.Nil);
        if (bad > 0)
        {
            h.SetRoot(rl, h.Cons(M.Fix(at), W.Nil));
            h.SetRoot(rl, h.Cons(h.MakeString(CodeCheck.Name(fault)), h.Root(rl)));
            h.SetRoot(rl, h.Cons(h.Root(rf), h.Root(rl)));
        }
        h.SetRoot(rl, h.Cons(M.Fix(bad), h.Root(rl)));
        ulong res = h.Cons(M.Fix(n), h.Root(rl));
        h.PopRoots(m);
        return res;
    }
}
