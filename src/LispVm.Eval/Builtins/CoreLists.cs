// List and equality primitives. Loops over lists are bounded by the list itself and
// detect improper tails; LENGTH, REVERSE, COPY-LIST, APPEND's copied lists and LAST also
// detect circular lists (type-error, not a hang: a REPL must not be wedged by one form).
// Nothing here recurses on user data (EQUAL is the heap's explicit-stack version).
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    static void RegisterLists(Builtins b)
    {
        b.Def("CAR", 1, 1, &Car); b.Def("CDR", 1, 1, &Cdr); b.Def("CONS", 2, 2, &Cons);
        b.Def("FIRST", 1, 1, &Car); b.Def("REST", 1, 1, &Cdr);
        b.Def("CAAR", 1, 1, &Caar); b.Def("CADR", 1, 1, &Cadr); b.Def("CDAR", 1, 1, &Cdar); b.Def("CDDR", 1, 1, &Cddr);
        b.Def("SECOND", 1, 1, &Cadr); b.Def("CADDR", 1, 1, &Caddr); b.Def("THIRD", 1, 1, &Caddr);
        b.Def("CDDDR", 1, 1, &Cdddr); b.Def("CADDDR", 1, 1, &Cadddr); b.Def("FOURTH", 1, 1, &Cadddr);
        b.Def("RPLACA", 2, 2, &Rplaca); b.Def("RPLACD", 2, 2, &Rplacd);
        b.Def("%SETCAR", 2, 2, &SetCarV); b.Def("%SETCDR", 2, 2, &SetCdrV);
        b.Def("LIST", 0, -1, &List); b.Def("LIST*", 1, -1, &ListStar);
        b.Def("EQ", 2, 2, &Eq); b.Def("EQL", 2, 2, &Eql); b.Def("EQUAL", 2, 2, &Equal); b.Def("EQUALP", 2, 2, &Equalp);
        b.Def("CONSP", 1, 1, &Consp); b.Def("LISTP", 1, 1, &Listp); b.Def("ATOM", 1, 1, &Atom);
        b.Def("NULL", 1, 1, &Null); b.Def("NOT", 1, 1, &Null); b.Def("ENDP", 1, 1, &Endp);
        b.Def("NTHCDR", 2, 2, &Nthcdr); b.Def("NTH", 2, 2, &Nth);
        b.Def("REVERSE", 1, 1, &Reverse); b.Def("NREVERSE", 1, 1, &Reverse);
        b.Def("APPEND", 0, -1, &Append); b.Def("COPY-LIST", 1, 1, &CopyList);
        b.Def("LAST", 1, 1, &Last); b.Def("NCONC", 0, -1, &Nconc); b.Def("LIST-LENGTH", 1, 1, &ListLength);
    }

    static ulong ListArg(Vm vm, ulong x, out bool bad)
    {
        bad = !W.IsList(x);
        if (bad) vm.TypeError(x, "LIST");
        return x;
    }

    /// <summary>Conses in x before its end (end = the atom that ends it), or -1 if the cdr
    /// chain is circular (end = the cons where the cycle was seen). Brent's cycle check: one
    /// compare per cons against a mark re-saved at each power of two; no allocation, so it
    /// can run before a walk that allocates (and so may move the list).</summary>
    internal static long WalkList(ulong x, out ulong end)
    {
        long n = 0, power = 1, steps = 0;
        ulong mark = x;
        while (W.IsCons(x))
        {
            x = M.Cdr(x); n++;
            if (x == mark) { end = x; return -1; }
            if (++steps == power) { mark = x; power <<= 1; steps = 0; }
        }
        end = x;
        return n;
    }

    /// <summary>type-error for a list that is not proper: circular (the whole list is the datum)
    /// or dotted (the atom at its end is not a list).</summary>
    static ulong NotProperList(Vm vm, ulong list, long n, ulong end)
    {
        return n < 0 ? vm.TypeError(list, "LIST") : vm.TypeError(end, "LIST");
    }

    static ulong Car(Vm vm, Args a) { ulong x = a[0]; if (W.IsCons(x)) return M.Car(x); if (x == W.Nil) return x; return vm.TypeError(x, "LIST"); }
    static ulong Cdr(Vm vm, Args a) { ulong x = a[0]; if (W.IsCons(x)) return M.Cdr(x); if (x == W.Nil) return x; return vm.TypeError(x, "LIST"); }
    static ulong CarOf(Vm vm, ulong x) { if (W.IsCons(x)) return M.Car(x); if (x == W.Nil) return x; return vm.TypeError(x, "LIST"); }
    static ulong CdrOf(Vm vm, ulong x) { if (W.IsCons(x)) return M.Cdr(x); if (x == W.Nil) return x; return vm.TypeError(x, "LIST"); }
    static ulong Caar(Vm vm, Args a) { ulong x = CarOf(vm, a[0]); return x == Vm.Fail ? x : CarOf(vm, x); }
    static ulong Cadr(Vm vm, Args a) { ulong x = CdrOf(vm, a[0]); return x == Vm.Fail ? x : CarOf(vm, x); }
    static ulong Cdar(Vm vm, Args a) { ulong x = CarOf(vm, a[0]); return x == Vm.Fail ? x : CdrOf(vm, x); }
    static ulong Cddr(Vm vm, Args a) { ulong x = CdrOf(vm, a[0]); return x == Vm.Fail ? x : CdrOf(vm, x); }
    static ulong Caddr(Vm vm, Args a) { ulong x = CdrOf(vm, a[0]); if (x != Vm.Fail) x = CdrOf(vm, x); return x == Vm.Fail ? x : CarOf(vm, x); }
    static ulong Cdddr(Vm vm, Args a) { ulong x = CdrOf(vm, a[0]); if (x != Vm.Fail) x = CdrOf(vm, x); return x == Vm.Fail ? x : CdrOf(vm, x); }
    static ulong Cadddr(Vm vm, Args a)
    {
        ulong x = CdrOf(vm, a[0]); if (x != Vm.Fail) x = CdrOf(vm, x); if (x != Vm.Fail) x = CdrOf(vm, x);
        return x == Vm.Fail ? x : CarOf(vm, x);
    }
    static ulong Cons(Vm vm, Args a) { return vm.Heap.Cons(a[0], a[1]); }
    static ulong Rplaca(Vm vm, Args a) { if (!W.IsCons(a[0])) return vm.TypeError(a[0], "CONS"); vm.Heap.SetCar(a[0], a[1]); return a[0]; }
    static ulong Rplacd(Vm vm, Args a) { if (!W.IsCons(a[0])) return vm.TypeError(a[0], "CONS"); vm.Heap.SetCdr(a[0], a[1]); return a[0]; }
    static ulong SetCarV(Vm vm, Args a) { if (!W.IsCons(a[0])) return vm.TypeError(a[0], "CONS"); vm.Heap.SetCar(a[0], a[1]); return a[1]; }
    static ulong SetCdrV(Vm vm, Args a) { if (!W.IsCons(a[0])) return vm.TypeError(a[0], "CONS"); vm.Heap.SetCdr(a[0], a[1]); return a[1]; }

    static ulong List(Vm vm, Args a)
    {
        Heap h = vm.Heap;
        int m = h.RootMark(); int r = h.PushRoot(W.Nil);
        for (int i = a.Count - 1; i >= 0; i--) h.SetRoot(r, h.Cons(a[i], h.Root(r)));
        ulong res = h.Root(r); h.PopRoots(m); return res;
    }
    static ulong ListStar(Vm vm, Args a)
    {
        Heap h = vm.Heap;
        int m = h.RootMark(); int r = h.PushRoot(a[a.Count - 1]);
        for (int i = a.Count - 2; i >= 0; i--) h.SetRoot(r, h.Cons(a[i], h.Root(r)));
        ulong res = h.Root(r); h.PopRoots(m); return res;
    }
    static ulong Eq(Vm vm, Args a) { return vm.Bool(a[0] == a[1]); }
    static ulong Eql(Vm vm, Args a) { return vm.Bool(vm.Heap.Eql(a[0], a[1])); }
    static ulong Equal(Vm vm, Args a) { return EqualResult(vm, vm.Heap.Equal(a[0], a[1])); }
    static ulong Equalp(Vm vm, Args a) { return EqualResult(vm, vm.Heap.Equalp(a[0], a[1])); }
    // A false that only means "deeper than the work stack" is not an answer: storage-condition.
    static ulong EqualResult(Vm vm, bool same)
    {
        if (!same && vm.Heap.EqualExhausted) return vm.StorageError("Structure too deep for EQUAL (work stack exhausted).");
        return vm.Bool(same);
    }
    static ulong Consp(Vm vm, Args a) { return vm.Bool(W.IsCons(a[0])); }
    static ulong Listp(Vm vm, Args a) { return vm.Bool(W.IsList(a[0])); }
    static ulong Atom(Vm vm, Args a) { return vm.Bool(!W.IsCons(a[0])); }
    static ulong Null(Vm vm, Args a) { return vm.Bool(a[0] == W.Nil); }
    static ulong Endp(Vm vm, Args a) { if (!W.IsList(a[0])) return vm.TypeError(a[0], "LIST"); return vm.Bool(a[0] == W.Nil); }

    static ulong Nthcdr(Vm vm, Args a)
    {
        if (!M.IsFix(a[0]) || M.FixVal(a[0]) < 0) return vm.TypeError(a[0], "UNSIGNED-BYTE");
        long n = M.FixVal(a[0]); ulong l = a[1];
        while (n-- > 0 && W.IsCons(l)) l = M.Cdr(l);
        if (!W.IsList(l) && n >= 0) return vm.TypeError(l, "LIST");
        return l;
    }
    static ulong Nth(Vm vm, Args a)
    {
        ulong l = Nthcdr(vm, a);
        if (l == Vm.Fail) return l;
        return CarOf(vm, l);
    }

    static ulong Reverse(Vm vm, Args a)
    {
        ulong x = a[0];
        if (!W.IsList(x)) return ReverseVector(vm, x);
        long n = WalkList(x, out ulong end);
        if (n < 0 || end != W.Nil) return NotProperList(vm, x, n, end);
        Heap h = vm.Heap;
        int m = h.RootMark(); int r = h.PushRoot(W.Nil); int li = h.PushRoot(x);
        while (W.IsCons(h.Root(li)))
        {
            h.SetRoot(r, h.Cons(M.Car(h.Root(li)), h.Root(r)));
            h.SetRoot(li, M.Cdr(h.Root(li)));
        }
        if (h.Root(li) != W.Nil) { ulong bad = h.Root(li); h.PopRoots(m); return vm.TypeError(bad, "LIST"); }
        ulong res = h.Root(r); h.PopRoots(m); return res;
    }

    static ulong CopyList(Vm vm, Args a)
    {
        Heap h = vm.Heap;
        if (!W.IsCons(a[0])) return a[0];
        if (WalkList(a[0], out ulong end) < 0) return vm.TypeError(a[0], "LIST");
        int m = h.RootMark();
        int head = h.PushRoot(h.Cons(M.Car(a[0]), W.Nil));
        int tail = h.PushRoot(h.Root(head));
        int li = h.PushRoot(M.Cdr(a[0]));
        while (W.IsCons(h.Root(li)))
        {
            ulong c = h.Cons(M.Car(h.Root(li)), W.Nil);
            h.SetCdr(h.Root(tail), c); h.SetRoot(tail, c);
            h.SetRoot(li, M.Cdr(h.Root(li)));
        }
        h.SetCdr(h.Root(tail), h.Root(li));
        ulong res = h.Root(head); h.PopRoots(m); return res;
    }

    static ulong Append(Vm vm, Args a)
    {
        if (a.Count == 0) return W.Nil;
        Heap h = vm.Heap;
        int m = h.RootMark();
        int head = h.PushRoot(W.Nil), tail = h.PushRoot(W.Nil), li = h.PushRoot(W.Nil);
        for (int i = 0; i < a.Count - 1; i++)
            if (WalkList(a[i], out ulong end) < 0) { h.PopRoots(m); return vm.TypeError(a[i], "LIST"); }
        for (int i = 0; i < a.Count - 1; i++)
        {
            h.SetRoot(li, a[i]);
            while (W.IsCons(h.Root(li)))
            {
                ulong c = h.Cons(M.Car(h.Root(li)), W.Nil);
                if (h.Root(tail) == W.Nil) h.SetRoot(head, c); else h.SetCdr(h.Root(tail), c);
                h.SetRoot(tail, c);
                h.SetRoot(li, M.Cdr(h.Root(li)));
            }
            if (h.Root(li) != W.Nil) { ulong bad = h.Root(li); h.PopRoots(m); return vm.TypeError(bad, "LIST"); }
        }
        if (h.Root(tail) == W.Nil) { h.PopRoots(m); return a[a.Count - 1]; }
        h.SetCdr(h.Root(tail), a[a.Count - 1]);
        ulong res = h.Root(head); h.PopRoots(m); return res;
    }

    static ulong Nconc(Vm vm, Args a)
    {
        ulong result = W.Nil, tail = W.Nil;
        for (int i = 0; i < a.Count; i++)
        {
            ulong x = a[i];
            if (x == W.Nil) continue;
            if (i < a.Count - 1 && !W.IsCons(x)) return vm.TypeError(x, "LIST");
            if (tail == W.Nil) result = x; else vm.Heap.SetCdr(tail, x);
            if (!W.IsCons(x) || i == a.Count - 1) break;   // the last list is not walked (it may be circular)
            // To its last cons, with WalkList's cycle check: a circular argument (e.g. after
            // (nconc l l), as MAPCAN of a function returning one constant list does) is a
            // type-error, not a walk without end in a builtin no step limit can stop.
            tail = x;
            ulong mark = x; long power = 1, steps = 0;
            while (W.IsCons(M.Cdr(tail)))
            {
                tail = M.Cdr(tail);
                if (tail == mark) return vm.TypeError(x, "LIST");
                if (++steps == power) { mark = tail; power <<= 1; steps = 0; }
            }
        }
        return result;
    }

    static ulong Last(Vm vm, Args a)
    {
        ulong l = a[0];
        if (!W.IsList(l)) return vm.TypeError(l, "LIST");
        if (WalkList(l, out ulong end) < 0) return vm.TypeError(l, "LIST");
        while (W.IsCons(l) && W.IsCons(M.Cdr(l))) l = M.Cdr(l);
        return l;
    }

    static ulong ListLength(Vm vm, Args a)
    {
        ulong slow = a[0], fast = a[0]; long n = 0;
        for (; ; )
        {
            if (fast == W.Nil) return M.Fix(n);
            if (!W.IsCons(fast)) return vm.TypeError(a[0], "LIST");
            fast = M.Cdr(fast); n++;
            if (fast == W.Nil) return M.Fix(n);
            if (!W.IsCons(fast)) return vm.TypeError(a[0], "LIST");
            fast = M.Cdr(fast); n++;
            slow = M.Cdr(slow);
            if (fast == slow) return W.Nil;
        }
    }
}
