// Why: streams whose characters come from and go to Lisp code (echo, two-way, concatenated,
// broadcast and synonym streams, lisp/77-composite-streams.lisp). A stream object of kind
// KLisp carries the Lisp state in its SPath slot (CLOSE keeps it); the engine's character
// I/O (StreamPut, StreamGet, UNREAD-CHAR) calls %LSTREAM-PUT, %LSTREAM-GET and
// %LSTREAM-UNREAD in a nested run, so every reader and printer path works on them. When
// that Lisp code unwinds (an error handled outside), LispStreamFailed makes the builtin
// that was running return Fail, and the VM goes on with the unwind (VmRun.cs).
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    public const int KLisp = 30;

    static void RegisterLispStreams(Builtins b)
    {
        b.Def("%MAKE-LISP-STREAM", 1, 1, &MakeLispStream);
        b.Def("%LISP-STREAM-STATE", 1, 1, &LispStreamState);
    }

    static ulong MakeLispStream(Vm vm, Args a)
    {
        int m = vm.Heap.RootMark(); int rs = vm.Heap.PushRoot(a[0]);
        ulong s = vm.MakeStream(KLisp, W.Nil);
        vm.Heap.SetSlot(s, SPath, vm.Heap.Root(rs));
        vm.Heap.PopRoots(m);
        return s;
    }

    // The state of a Lisp stream (open or closed), else NIL.
    static ulong LispStreamState(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.Stream)) return W.Nil;
        long k = M.FixVal(M.Slot(a[0], SKind));
        if (k != KLisp && k != KClosed) return W.Nil;
        ulong st = M.Slot(a[0], SPath);
        return W.IsObj(st) && M.Type(st) != ObjType.String8 && M.Type(st) != ObjType.String32 ? st : W.Nil;
    }

    static bool IsLispStream(ulong s) { return M.Slot(s, SKind) == M.Fix(KLisp); }

    /// <summary>(fname state x) in a nested run; false (and LispStreamFailed) when it unwound.</summary>
    static bool LispStreamCall(Vm vm, string fname, ulong s, ulong x, out ulong result)
    {
        result = W.Nil;
        if (vm.LispStreamFailed) return false;
        ulong fn = vm.SymFunction(vm.Intern(fname));
        if (!W.IsObj(fn)) { vm.LispStreamFailed = true; vm.SimpleError("The Lisp stream function is missing."); return false; }
        int nv = vm.Th.Nv;
        vm.Push(fn); vm.Push(M.Slot(s, SPath)); vm.Push(x);
        RunStatus st = vm.CallNested(2, out result);
        vm.Th.Nv = nv;
        if (st != RunStatus.Ok) { vm.LispStreamFailed = true; result = W.Nil; return false; }
        return true;
    }

    internal static void LispStreamPut(Vm vm, ulong s, int c)
    {
        LispStreamCall(vm, "%LSTREAM-PUT", s, W.MakeChar(c), out _);
    }

    // Next character code, -1 at the end (or when the Lisp side unwound).
    internal static int LispStreamGet(Vm vm, ulong s, bool consume)
    {
        if (!LispStreamCall(vm, "%LSTREAM-GET", s, consume ? vm.T : W.Nil, out ulong r)) return -1;
        return W.IsChar(r) ? W.CharCode(r) : -1;
    }

    internal static void LispStreamUnread(Vm vm, ulong s, ulong ch)
    {
        LispStreamCall(vm, "%LSTREAM-UNREAD", s, ch, out _);
    }
}
