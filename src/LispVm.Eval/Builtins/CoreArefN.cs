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

    /// <summary>The storage vector and index that subscripts a[1..1+nsubs) name in the
    /// array a[0] of rank /= 1; false with the error signalled in fail otherwise.</summary>
    static bool LocateElement(Vm vm, Args a, int nsubs, out ulong store, out int ix, out ulong fail)
    {
        ulong arr = a[0];
        store = 0; ix = 0;
        if (!IsMarray(vm, arr))
        {
            fail = VecInfo(arr, out _, out _, out _)
                ? vm.SimpleError("Wrong number of subscripts (~S) for ~S.", M.Fix(nsubs), arr)
                : vm.TypeError(arr, "ARRAY");
            return false;
        }
        long i = MarrayIndex(vm, a, nsubs, out fail);
        if (i < 0) return false;
        if (!VecInfo(M.Slot(arr, MarrayStorage), out store, out _, out int cap) || i >= cap)
        {
            fail = vm.SimpleError("Index ~S out of bounds for ~S.", M.Fix(i), arr);
            return false;
        }
        ix = (int)i;
        return true;
    }

    // (%aref-n array subscript*)
    static ulong ArefN(Vm vm, Args a)
    {
        if (a.Count == 2 && !IsMarray(vm, a[0])) return Aref2(vm, a);
        return LocateElement(vm, a, a.Count - 1, out ulong store, out int ix, out ulong fail)
            ? ElemRef(vm, store, ix) : fail;
    }

    // (%set-aref array subscript* value): the value last, as (SETF AREF) evaluates them.
    static ulong SetAref(Vm vm, Args a)
    {
        if (a.Count == 3 && !IsMarray(vm, a[0])) return Aset(vm, a);
        return LocateElement(vm, a, a.Count - 2, out ulong store, out int ix, out ulong fail)
            ? ElemSet(vm, store, ix, a[a.Count - 1]) : fail;
    }
}
