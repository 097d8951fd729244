// Builtin registration: a builtin is a C# static function over the VM and its arguments
// on the Lisp stack, wrapped in a heap Function object (code NIL, builtin index) stored in
// the symbol's function cell, so FUNCALL, #' and redefinition treat it like any function.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    readonly Vm vm;
    public Builtins(Vm vm) { this.vm = vm; }
    public Vm Vm { get { return vm; } }

    /// <summary>Define NAME (interned in COMMON-LISP, exported) as a builtin taking min..max
    /// arguments (max -1 = any number).</summary>
    public int Def(string name, int min, int max, delegate*<Vm, Args, ulong> f)
    {
        Heap heap = vm.Heap;
        int idx = vm.Nb++;
        vm.Bfn[idx] = f;
        vm.BuiltinsHash = BuiltinHash(vm.BuiltinsHash, name, min, max);
        if (vm.heapStatePending) return idx;           // the heap image holds the function object
        int mark = heap.RootMark();
        int rs = heap.PushRoot(vm.Intern(name));
        ulong fo = heap.AllocBoxed(ObjType.Function, Fn.Size);
        heap.SetSlot(fo, Fn.Code, W.Nil);
        heap.SetSlot(fo, Fn.Consts, W.Nil);
        heap.SetSlot(fo, Fn.Name, heap.Root(rs));
        heap.SetSlot(fo, Fn.Arity, M.Fix(min | ((max < 0 ? Fn.AnyArgs : max) << 16)));
        heap.SetSlot(fo, Fn.Builtin, M.Fix(idx));
        heap.SetSlot(fo, Fn.LambdaList, W.Nil);
        vm.SetSymFunction(heap.Root(rs), fo);
        heap.PopRoots(mark);
        return idx;
    }

    // Heap images refer to builtins by index: the image fingerprint covers every builtin's
    // name, arity and registration order, so an image from another build is refused.
    static ulong BuiltinHash(ulong h, string name, int min, int max)
    {
        for (int i = 0; i < name.Length; i++) { h ^= name[i]; h *= 0x100000001b3UL; }
        h ^= (ulong)(uint)min << 32 | (uint)max; h *= 0x100000001b3UL;
        return h;
    }

    internal static void RegisterCore(Vm vm)
    {
        Builtins b = new Builtins(vm);
        RegisterLists(b);
        RegisterSymbols(b);
        RegisterControl(b);
        RegisterNumbers(b);
        RegisterComplex(b);
        RegisterData(b);
        RegisterArefN(b);
        RegisterSeqBlocks(b);
        RegisterStreams(b); RegisterLispStreams(b);
        RegisterGc(b);
        RegisterThreads(b);
        RegisterFiles(b);
        RegisterNet(b);
        RegisterTcp(b);
        RegisterDebug(b);
        RegisterClos(b);
        Lib.RunRegisterAll(b);
    }
}

/// <summary>The library developer's builtins: Lib*.cs files implement RegisterAll.</summary>
static partial class Lib
{
    static partial void RegisterAll(Builtins b);
    internal static void RunRegisterAll(Builtins b) { RegisterAll(b); }
}
