// Symbols, packages and function cells. Macros live in the function cell as
// (%MACRO . expander); special/constant flags live in the symbol's flags word.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    static void RegisterSymbols(Builtins b)
    {
        b.Def("SYMBOLP", 1, 1, &Symbolp); b.Def("KEYWORDP", 1, 1, &Keywordp);
        b.Def("SYMBOL-NAME", 1, 1, &SymbolName); b.Def("SYMBOL-VALUE", 1, 1, &SymbolValue);
        b.Def("SYMBOL-FUNCTION", 1, 1, &SymbolFunction); b.Def("FDEFINITION", 1, 1, &SymbolFunction);
        b.Def("FBOUNDP", 1, 1, &Fboundp); b.Def("BOUNDP", 1, 1, &Boundp);
        b.Def("MAKUNBOUND", 1, 1, &Makunbound); b.Def("FMAKUNBOUND", 1, 1, &Fmakunbound);
        b.Def("SET", 2, 2, &Set); b.Def("%SET-SYMBOL-FUNCTION", 2, 2, &SetSymbolFunction);
        b.Def("SYMBOL-PLIST", 1, 1, &SymbolPlist); b.Def("%SET-SYMBOL-PLIST", 2, 2, &SetSymbolPlist);
        b.Def("SYMBOL-PACKAGE", 1, 1, &SymbolPackage);
        b.Def("MAKE-SYMBOL", 1, 1, &MakeSymbol); b.Def("%GENSYM", 1, 1, &MakeSymbol);
        b.Def("INTERN", 1, 2, &Intern); b.Def("FIND-SYMBOL", 1, 2, &FindSymbol);
        b.Def("FIND-PACKAGE", 1, 1, &FindPackage); b.Def("EXPORT", 1, 2, &Export);
        b.Def("MAKE-PACKAGE", 1, -1, &MakePackage); b.Def("USE-PACKAGE", 1, 2, &UsePackage);
        b.Def("PACKAGE-NAME", 1, 1, &PackageName); b.Def("PACKAGEP", 1, 1, &Packagep);
        b.Def("%PACKAGE-NICKNAMES", 1, 1, &PackageNicknamesB); b.Def("%PACKAGE-USE-LIST", 1, 1, &PackageUseListB);
        b.Def("%SET-PACKAGE-NICKNAMES", 2, 2, &SetPackageNicknames); b.Def("%SET-PACKAGE-USE-LIST", 2, 2, &SetPackageUseList);
        b.Def("%ALL-PACKAGES", 0, 0, &AllPackages); b.Def("%FORGET-PACKAGE", 1, 1, &ForgetPackage);
        b.Def("%SET-PACKAGE-NAME", 2, 2, &SetPackageName); b.Def("%UNINTERN", 2, 2, &Unintern);
        b.Def("%CONSTANT-P", 1, 1, &ConstantP); b.Def("%UNEXPORT", 2, 2, &Unexport);
        b.Def("%PACKAGE-SYMBOL-LIST", 1, 2, &PackageSymbolList);
        b.Def("%PROCLAIM-SPECIAL", 1, 1, &ProclaimSpecial); b.Def("%PROCLAIM-CONSTANT", 1, 1, &ProclaimConstant);
        b.Def("%SPECIAL-P", 1, 1, &SpecialP);
        b.Def("%SET-MACRO", 2, 2, &SetMacro); b.Def("MACRO-FUNCTION", 1, 2, &MacroFunction);
        b.Def("SPECIAL-OPERATOR-P", 1, 1, &SpecialOperatorP);
        b.Def("%SETF-NAME", 1, 1, &SetfNameB);
    }

    static bool SymArg(Vm vm, ulong x) { return W.IsSymbol(x); }
    static ulong Symbolp(Vm vm, Args a) { return vm.Bool(W.IsSymbol(a[0])); }
    static ulong Keywordp(Vm vm, Args a) { return vm.Bool(W.IsSymbol(a[0]) && (vm.SymFlags(a[0]) & SymbolFlags.Keyword) != 0); }
    static ulong SymbolName(Vm vm, Args a) { if (!W.IsSymbol(a[0])) return vm.TypeError(a[0], "SYMBOL"); return vm.Heap.SymbolName(a[0]); }
    static ulong SymbolValue(Vm vm, Args a)
    {
        if (!W.IsSymbol(a[0])) return vm.TypeError(a[0], "SYMBOL");
        ulong v = vm.SymValue(a[0]);
        if (v == W.Unbound) return vm.Error("UNBOUND-VARIABLE", "NAME", a[0]);
        return v;
    }
    static ulong SymbolFunction(Vm vm, Args a)
    {
        ulong s = a[0];
        if (W.IsCons(s)) s = vm.SetfName(Compiler.CadrOf(s));
        if (!W.IsSymbol(s)) return vm.TypeError(s, "SYMBOL");
        ulong f = vm.SymFunction(s);
        if (f == W.Unbound || f == W.Nil) return vm.Error("UNDEFINED-FUNCTION", "NAME", s);
        if (vm.IsMacroCell(f)) return M.Cdr(f);
        return f;
    }
    static ulong Fboundp(Vm vm, Args a)
    {
        ulong s = a[0];
        if (W.IsCons(s)) s = vm.SetfName(Compiler.CadrOf(s));
        if (!W.IsSymbol(s)) return vm.TypeError(s, "SYMBOL");
        ulong f = vm.SymFunction(s);
        return vm.Bool(f != W.Unbound && f != W.Nil);
    }
    static ulong Boundp(Vm vm, Args a) { if (!W.IsSymbol(a[0])) return vm.TypeError(a[0], "SYMBOL"); return vm.Bool(vm.SymValue(a[0]) != W.Unbound); }
    static ulong Makunbound(Vm vm, Args a) { if (!W.IsSymbol(a[0])) return vm.TypeError(a[0], "SYMBOL"); vm.SetSymValue(a[0], W.Unbound); return a[0]; }
    static ulong Fmakunbound(Vm vm, Args a)
    {
        ulong s = a[0];
        if (W.IsCons(s)) s = vm.SetfName(Compiler.CadrOf(s));
        if (!W.IsSymbol(s)) return vm.TypeError(s, "SYMBOL");
        vm.SetSymFunction(s, W.Unbound); return a[0];
    }
    static ulong Set(Vm vm, Args a)
    {
        if (!W.IsSymbol(a[0]) || a[0] == W.Nil) return vm.TypeError(a[0], "SYMBOL");
        if ((vm.SymFlags(a[0]) & SymbolFlags.Constant) != 0) return vm.SimpleError("Cannot set the constant ~S.", a[0]);
        vm.SetSymValue(a[0], a[1]); return a[1];
    }
    static ulong SetSymbolFunction(Vm vm, Args a)
    {
        ulong s = a[0];
        if (W.IsCons(s)) { s = vm.SetfName(Compiler.CadrOf(s)); }
        if (!W.IsSymbol(s)) return vm.TypeError(s, "SYMBOL");
        vm.SetSymFunction(s, a[1]); return a[1];
    }
    static ulong SymbolPlist(Vm vm, Args a) { if (!W.IsSymbol(a[0])) return vm.TypeError(a[0], "SYMBOL"); return vm.Heap.SymbolPlist(a[0]); }
    static ulong SetSymbolPlist(Vm vm, Args a) { if (!W.IsSymbol(a[0])) return vm.TypeError(a[0], "SYMBOL"); vm.Heap.SetSymbolPlist(a[0], a[1]); return a[1]; }
    static ulong SymbolPackage(Vm vm, Args a) { if (!W.IsSymbol(a[0])) return vm.TypeError(a[0], "SYMBOL"); return M.Slot(vm.SymObj(a[0]), Sy.Package); }
    static ulong MakeSymbol(Vm vm, Args a) { if (!vm.Heap.IsString(a[0])) return vm.TypeError(a[0], "STRING"); return vm.Heap.MakeSymbol(a[0]); }

    static ulong PackageArg(Vm vm, Args a, int i)
    {
        if (a.Count <= i) return vm.CurrentPackage();
        ulong p = a[i];
        if (M.Is(p, ObjType.Package)) return p;
        if (W.IsSymbol(p)) p = vm.Heap.SymbolName(p);
        if (vm.Heap.IsString(p)) { ulong pk = vm.Heap.FindPackageNamed(p); if (pk != W.Nil) return pk; }
        vm.Error("PACKAGE-ERROR", "PACKAGE", a[i]);
        return Vm.Fail;
    }
    static ulong Intern(Vm vm, Args a)
    {
        if (!vm.Heap.IsString(a[0])) return vm.TypeError(a[0], "STRING");
        ulong p = PackageArg(vm, a, 1); if (p == Vm.Fail) return p;
        SymbolStatus st;
        ulong s = vm.Heap.InternString(a[0], p, out st);
        return vm.Values(s, StatusKw(vm, st));
    }
    static ulong StatusKw(Vm vm, SymbolStatus st)
    {
        switch (st)
        {
            case SymbolStatus.Internal: return vm.Intern(":INTERNAL");
            case SymbolStatus.External: return vm.Intern(":EXTERNAL");
            case SymbolStatus.Inherited: return vm.Intern(":INHERITED");
        }
        return W.Nil;
    }
    static ulong FindSymbol(Vm vm, Args a)
    {
        if (!vm.Heap.IsString(a[0])) return vm.TypeError(a[0], "STRING");
        ulong p = PackageArg(vm, a, 1); if (p == Vm.Fail) return p;
        SymbolStatus st;
        ulong s = vm.Heap.FindSymbolNamed(a[0], p, out st);
        if (st == SymbolStatus.None) return vm.Values(W.Nil, W.Nil);
        ulong kw = StatusKw(vm, st);
        s = vm.Heap.FindSymbolNamed(a[0], p, out st);
        return vm.Values(s, kw);
    }
    static ulong FindPackage(Vm vm, Args a)
    {
        ulong p = a[0];
        if (M.Is(p, ObjType.Package)) return p;
        if (W.IsSymbol(p)) p = vm.Heap.SymbolName(p);
        if (!vm.Heap.IsString(p)) return vm.TypeError(a[0], "STRING");
        return vm.Heap.FindPackageNamed(p);
    }
    static ulong Export(Vm vm, Args a)
    {
        ulong p = PackageArg(vm, a, 1); if (p == Vm.Fail) return p;
        Heap h = vm.Heap;
        int m = h.RootMark(); int rp = h.PushRoot(p);
        int rl = h.PushRoot(a[0]);
        if (W.IsSymbol(a[0]) && a[0] != W.Nil) h.Export(a[0], h.Root(rp));
        else for (; W.IsCons(h.Root(rl)); h.SetRoot(rl, M.Cdr(h.Root(rl)))) h.Export(M.Car(h.Root(rl)), h.Root(rp));
        h.PopRoots(m);
        return vm.T;
    }
    // (%unexport symbol package): T when it was external there (now internal), else NIL.
    static ulong Unexport(Vm vm, Args a)
    {
        if (!W.IsSymbol(a[0])) return vm.TypeError(a[0], "SYMBOL");
        if (!M.Is(a[1], ObjType.Package)) return vm.TypeError(a[1], "PACKAGE");
        return vm.Bool(vm.Heap.Unexport(a[0], a[1]));
    }
    static ulong MakePackage(Vm vm, Args a)
    {
        ulong n = a[0];
        if (W.IsSymbol(n)) n = vm.Heap.SymbolName(n);
        if (!vm.Heap.IsString(n)) return vm.TypeError(a[0], "STRING");
        if (vm.Heap.FindPackageNamed(n) != W.Nil) return vm.SimpleError("A package named ~A already exists.", n);
        // MakePackage takes a C# literal: create under a placeholder, then rename.
        ulong p = vm.Heap.MakePackage("%NEW-PACKAGE");
        vm.Heap.SetSlot(p, Heap.PkgNameSlot, W.IsSymbol(a[0]) ? vm.Heap.SymbolName(a[0]) : a[0]);
        int m = vm.Heap.RootMark(); int rp = vm.Heap.PushRoot(p);
        vm.Heap.UsePackage(p, vm.Heap.CommonLispPackage);
        p = vm.Heap.Root(rp); vm.Heap.PopRoots(m);
        return p;
    }
    static ulong UsePackage(Vm vm, Args a)
    {
        ulong p = PackageArg(vm, a, 1); if (p == Vm.Fail) return p;
        ulong used = a[0];
        if (!M.Is(used, ObjType.Package))
        {
            if (W.IsSymbol(used)) used = vm.Heap.SymbolName(used);
            used = vm.Heap.IsString(used) ? vm.Heap.FindPackageNamed(used) : W.Nil;
            if (used == W.Nil) return vm.Error("PACKAGE-ERROR", "PACKAGE", a[0]);
        }
        vm.Heap.UsePackage(p, used);
        return vm.T;
    }
    // Raw slots for the Lisp side (90-misc.lisp): it validates names and packages first.
    static ulong PackageNicknamesB(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.Package)) return vm.TypeError(a[0], "PACKAGE");
        return vm.Heap.PackageNicknames(a[0]);
    }
    static ulong PackageUseListB(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.Package)) return vm.TypeError(a[0], "PACKAGE");
        return vm.Heap.PackageUseList(a[0]);
    }
    static ulong AllPackages(Vm vm, Args a) { return vm.Heap.Packages; }
    static ulong ForgetPackage(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.Package)) return vm.TypeError(a[0], "PACKAGE");
        vm.Heap.ForgetPackage(a[0]);
        return vm.T;
    }
    static ulong SetPackageName(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.Package)) return vm.TypeError(a[0], "PACKAGE");
        if (!vm.Heap.IsString(a[1])) return vm.TypeError(a[1], "STRING");
        vm.Heap.SetSlot(a[0], Heap.PkgNameSlot, a[1]);
        return a[1];
    }
    /// <summary>Removes the symbol present in the package (internal or external) under its
    /// name; when the package is its home, the symbol has no package afterwards.</summary>
    static ulong Unintern(Vm vm, Args a)
    {
        if (!W.IsSymbol(a[0])) return vm.TypeError(a[0], "SYMBOL");
        if (!M.Is(a[1], ObjType.Package)) return vm.TypeError(a[1], "PACKAGE");
        ulong name = vm.Heap.SymbolName(a[0]);
        bool found = false;
        ulong v;
        ulong it = vm.Heap.PackageInternalTable(a[1]);
        if (vm.Heap.HashGet(it, name, out v) && v == a[0]) { vm.Heap.HashRemove(it, name); found = true; }
        ulong et = vm.Heap.PackageExternalTable(a[1]);
        if (vm.Heap.HashGet(et, name, out v) && v == a[0]) { vm.Heap.HashRemove(et, name); found = true; }
        if (found && vm.Heap.SymbolPackage(a[0]) == a[1]) vm.Heap.SetSymbolPackage(a[0], W.Nil);
        return vm.Bool(found);
    }
    static ulong ConstantP(Vm vm, Args a) { return vm.Bool(W.IsSymbol(a[0]) && (vm.SymFlags(a[0]) & SymbolFlags.Constant) != 0); }
    static ulong SetPackageNicknames(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.Package)) return vm.TypeError(a[0], "PACKAGE");
        for (ulong l = a[1]; l != W.Nil; l = M.Cdr(l))
            if (!W.IsCons(l) || !vm.Heap.IsString(M.Car(l))) return vm.TypeError(a[1], "LIST");
        vm.Heap.SetSlot(a[0], Heap.PkgNicknamesSlot, a[1]);
        return a[1];
    }
    static ulong SetPackageUseList(Vm vm, Args a)
    {
        if (!M.Is(a[0], ObjType.Package)) return vm.TypeError(a[0], "PACKAGE");
        for (ulong l = a[1]; l != W.Nil; l = M.Cdr(l))
            if (!W.IsCons(l) || !M.Is(M.Car(l), ObjType.Package)) return vm.TypeError(a[1], "LIST");
        vm.Heap.SetSlot(a[0], Heap.PkgUseListSlot, a[1]);
        return a[1];
    }
    static ulong PackageName(Vm vm, Args a)
    {
        ulong p = a[0];
        if (!M.Is(p, ObjType.Package)) return vm.TypeError(p, "PACKAGE");
        return vm.Heap.PackageName(p);
    }
    static ulong Packagep(Vm vm, Args a) { return vm.Bool(M.Is(a[0], ObjType.Package)); }
    static ulong PackageSymbolList(Vm vm, Args a)
    {
        // (%package-symbol-list package-designator &optional external-only): DO-SYMBOLS,
        // DO-EXTERNAL-SYMBOLS and LOOP's symbol clauses.
        ulong p = a[0];
        if (W.IsSymbol(p)) p = vm.Heap.SymbolName(p);
        if (vm.Heap.IsString(p)) p = vm.Heap.FindPackageNamed(p);
        if (!M.Is(p, ObjType.Package)) return vm.TypeError(a[0], "PACKAGE");
        bool externalOnly = a.Count > 1 && a[1] != W.Nil;
        Heap h = vm.Heap;
        int m = h.RootMark(); int rp = h.PushRoot(p); int r = h.PushRoot(W.Nil);
        for (int t = externalOnly ? 1 : 0; t < 2; t++)
        {
            int rt = h.PushRoot(t == 0 ? h.PackageInternalTable(h.Root(rp)) : h.PackageExternalTable(h.Root(rp)));
            int lim = h.HashEntryLimit(h.Root(rt));
            for (int i = 0; i < lim; i++)
            {
                ulong k, v;
                if (h.HashEntryAt(h.Root(rt), i, out k, out v)) h.SetRoot(r, h.Cons(v, h.Root(r)));
            }
        }
        ulong res = h.Root(r); h.PopRoots(m); return res;
    }
    static ulong ProclaimSpecial(Vm vm, Args a) { if (!W.IsSymbol(a[0])) return vm.TypeError(a[0], "SYMBOL"); vm.SetSymFlag(a[0], SymbolFlags.Special); return a[0]; }
    static ulong ProclaimConstant(Vm vm, Args a) { if (!W.IsSymbol(a[0])) return vm.TypeError(a[0], "SYMBOL"); vm.SetSymFlag(a[0], SymbolFlags.Constant); return a[0]; }
    static ulong SpecialP(Vm vm, Args a) { return vm.Bool(W.IsSymbol(a[0]) && vm.IsSpecial(a[0])); }
    static ulong SetMacro(Vm vm, Args a)
    {
        if (!W.IsSymbol(a[0])) return vm.TypeError(a[0], "SYMBOL");
        ulong c = vm.Heap.Cons(vm.Sym(S.MacroMarker), a[1]);
        vm.SetSymFunction(a[0], c);
        return a[0];
    }
    static ulong MacroFunction(Vm vm, Args a)
    {
        if (!W.IsSymbol(a[0])) return vm.TypeError(a[0], "SYMBOL");
        if (a.Count > 1 && a[1] != W.Nil)
        {
            ulong e;
            if (vm.Comp.EnvMacro(a[1], a[0], false, out e)) return e;
        }
        ulong f = vm.SymFunction(a[0]);
        return vm.IsMacroCell(f) ? M.Cdr(f) : W.Nil;
    }
    static ulong SpecialOperatorP(Vm vm, Args a) { return vm.Bool(W.IsSymbol(a[0]) && vm.Comp.IsSpecialOperator(a[0])); }
    static ulong SetfNameB(Vm vm, Args a) { if (!W.IsSymbol(a[0])) return vm.TypeError(a[0], "SYMBOL"); return vm.SetfName(a[0]); }
}
