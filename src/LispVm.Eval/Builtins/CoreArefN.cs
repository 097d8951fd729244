// Why: AREF and (SETF AREF) with any number of subscripts without consing an &rest list
// (cl-bench 3d-arrays: 22x CLISP's time when every access built a list). The compiler
// sends (AREF a i j k ...) to %AREF-N; (SETF AREF) expands to %SET-AREF. Arrays of rank
// /= 1 are %marray structures (lisp/48-hash-arrays.lisp): slots dims, storage, offset.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    static void RegisterArefN(Builtins b)
    {
        b.Def("%AREF-N", 1, -1, &ArefN);
        b.Def("%SET-AREF", 2, -1, &SetAref);
    }

    const int MarrayDims = 1, MarrayStorage = 2, MarrayOffset = 3;

    static bool IsMarray(Vm vm, ulong a) =>
        M.Is(a, ObjType.Instance) && M.Len(a) > MarrayOffset && M.Slot(a, 0) == vm.Roots[(int)R.MarrayLayout];

    /// <summary>Row-major storage index of subscripts a[1..1+nsubs) in the %marray a[0]
    /// (offset included), or -1 after signalling the error (result in fail).</summary>
    static long MarrayIndex(Vm vm, Args a, int nsubs, out ulong fail)
    {
        fail = 0;
        ulong arr = a[0], dims = M.Slot(arr, MarrayDims), off = M.Slot(arr, MarrayOffset);
        long idx = 0; int k = 0;
        for (; k < nsubs && W.IsCons(dims); k++, dims = M.Cdr(dims))
        {
            ulong s = a[1 + k], d = M.Car(dims);
            if (!M.IsFix(s) || !M.IsFix(d) || M.FixVal(s) < 0 || M.FixVal(s) >= M.FixVal(d))
            {
                fail = vm.SimpleError("Index ~S out of bounds for dimension ~S of ~S.", s, d, arr);
                return -1;
            }
            idx = idx * M.FixVal(d) + M.FixVal(s);
        }
        if (k != nsubs || dims != W.Nil)
        {
            fail = vm.SimpleError("Wrong number of subscripts (~S) for ~S.", M.Fix(nsubs), arr);
            return -1;
        }
        return idx + (M.IsFix(off) ? M.FixVal(off) : 0);
    }

    // (%aref-n array subscript*)
    static ulong ArefN(Vm vm, Args a)
    {
        ulong arr = a[0];
        if (!IsMarray(vm, arr))
        {
            if (a.Count == 2) return Aref2(vm, a);
            if (VecInfo(arr, out _, out _, out _)) return vm.SimpleError("Wrong number of subscripts (~S) for ~S.", M.Fix(a.Count - 1), arr);
            return vm.TypeError(arr, "ARRAY");
        }
        long ix = MarrayIndex(vm, a, a.Count - 1, out ulong fail);
        if (ix < 0) return fail;
        if (!VecInfo(M.Slot(arr, MarrayStorage), out ulong store, out _, out int cap) || ix >= cap)
            return vm.SimpleError("Index ~S out of bounds for ~S.", M.Fix(ix), arr);
        return ElemRef(vm, store, (int)ix);
    }

    // (%set-aref array subscript* value): the value last, as (SETF AREF) evaluates them.
    static ulong SetAref(Vm vm, Args a)
    {
        ulong arr = a[0], v = a[a.Count - 1];
        if (!IsMarray(vm, arr))
        {
            if (a.Count == 3) return Aset(vm, a);
            if (VecInfo(arr, out _, out _, out _)) return vm.SimpleError("Wrong number of subscripts (~S) for ~S.", M.Fix(a.Count - 2), arr);
            return vm.TypeError(arr, "ARRAY");
        }
        long ix = MarrayIndex(vm, a, a.Count - 2, out ulong fail);
        if (ix < 0) return fail;
        if (!VecInfo(M.Slot(arr, MarrayStorage), out ulong store, out _, out int cap) || ix >= cap)
            return vm.SimpleError("Index ~S out of bounds for ~S.", M.Fix(ix), arr);
        return ElemSet(vm, store, (int)ix, v);
    }
}
