// Packages and interning (Gc owns them because the reader needs them before the VM
// exists). A package is a boxed object [name, nicknames, use-list, internal table,
// external table, shadowing list]; the tables are equal hash tables from name string to
// symbol. Lookup by C# string or UTF-8 bytes allocates nothing when the symbol exists.
namespace LispVm.Gc
{
    public sealed unsafe partial class Heap
    {
        public const int PkgNameSlot = 0, PkgNicknamesSlot = 1, PkgUseListSlot = 2, PkgInternalSlot = 3,
            PkgExternalSlot = 4, PkgShadowingSlot = 5, PackageWords = 6;

        public ulong CommonLispPackage { get { return heapRoots[RootCl]; } }
        public ulong KeywordPackage { get { return heapRoots[RootKeyword]; } }
        public ulong UserPackage { get { return heapRoots[RootUser]; } }
        public ulong SystemPackage { get { return heapRoots[RootSystem]; } }
        /// <summary>List of all packages, newest first.</summary>
        public ulong Packages { get { return heapRoots[RootPackages]; } }

        void Bootstrap()
        {
            for (int i = 0; i < heapRoots.Length; i++) heapRoots[i] = W.Nil;
            ulong nil = MakeSymbol("NIL");
            heapRoots[RootNilSymbol] = nil;
            SetSymbolFlagBits(W.Nil, SymbolFlags.Constant);
            SetSlot(nil, SymValueSlot, W.Nil);
            heapRoots[RootCl] = MakePackage("COMMON-LISP");
            AddNickname(heapRoots[RootCl], "CL");
            heapRoots[RootKeyword] = MakePackage("KEYWORD");
            heapRoots[RootUser] = MakePackage("COMMON-LISP-USER");
            AddNickname(heapRoots[RootUser], "CL-USER");
            UsePackage(heapRoots[RootUser], heapRoots[RootCl]);
            heapRoots[RootSystem] = MakePackage("LISPVM-SYSTEM");
            UsePackage(heapRoots[RootSystem], heapRoots[RootCl]);

            SetSymbolPackage(W.Nil, heapRoots[RootCl]);
            HashPut(Slot(heapRoots[RootCl], PkgExternalSlot), SymbolName(W.Nil), W.Nil);
            ulong t = InternExternal("T", heapRoots[RootCl]);
            SetSymbolValue(t, t);
            SetSymbolFlagBits(t, SymbolFlags.Constant);
            heapRoots[RootT] = t;
        }

        /// <summary>New package, or NIL if the name is taken.</summary>
        public ulong MakePackage(string name)
        {
            if (FindPackage(name) != W.Nil) return W.Nil;
            int m = rootTop;
            int r = PushRoot(AllocBoxed(ObjType.Package, PackageWords));
            ulong s = MakeString(name);
            SetSlot(rootStack[r], PkgNameSlot, s);
            ulong ti = MakeHashTable(HashTest.Equal, 16);
            SetSlot(rootStack[r], PkgInternalSlot, ti);
            ulong te = MakeHashTable(HashTest.Equal, 16);
            SetSlot(rootStack[r], PkgExternalSlot, te);
            heapRoots[RootPackages] = Cons(rootStack[r], heapRoots[RootPackages]);
            ulong p = rootStack[r];
            rootTop = m;
            return p;
        }

        public void AddNickname(ulong pkg, string nick)
        {
            int m = rootTop;
            int r = PushRoot(pkg);
            ulong s = MakeString(nick);
            ulong c = Cons(s, Slot(rootStack[r], PkgNicknamesSlot));
            SetSlot(rootStack[r], PkgNicknamesSlot, c);
            rootTop = m;
        }

        /// <summary>DELETE-PACKAGE: the package leaves the registry (FIND-PACKAGE no longer
        /// sees it) and loses its name. The list is unlinked in place: no allocation.</summary>
        public void ForgetPackage(ulong pkg)
        {
            ulong prev = W.Nil;
            for (ulong l = heapRoots[RootPackages]; l != W.Nil; prev = l, l = Cdr(l))
            {
                if (Car(l) != pkg) continue;
                if (prev == W.Nil) heapRoots[RootPackages] = Cdr(l); else SetCdr(prev, Cdr(l));
                break;
            }
            SetSlot(pkg, PkgNameSlot, W.Nil);
            SetSlot(pkg, PkgNicknamesSlot, W.Nil);
        }

        public ulong PackageName(ulong pkg) { return Slot(pkg, PkgNameSlot); }
        public ulong PackageNicknames(ulong pkg) { return Slot(pkg, PkgNicknamesSlot); }
        public ulong PackageUseList(ulong pkg) { return Slot(pkg, PkgUseListSlot); }
        public ulong PackageInternalTable(ulong pkg) { return Slot(pkg, PkgInternalSlot); }
        public ulong PackageExternalTable(ulong pkg) { return Slot(pkg, PkgExternalSlot); }

        public ulong FindPackage(string name) { NameKey k = NameKey.Of(name); return FindPackageKey(ref k); }
        public ulong FindPackageBytes(byte* p, int n) { NameKey k = NameKey.OfUtf8(p, n); return FindPackageKey(ref k); }
        /// <summary>Package named by a Lisp string (name or nickname), or NIL.</summary>
        public ulong FindPackageNamed(ulong str) { NameKey k = NameKey.OfLisp(str); return FindPackageKey(ref k); }

        ulong FindPackageKey(ref NameKey k)
        {
            for (ulong l = heapRoots[RootPackages]; l != W.Nil; l = Cdr(l))
            {
                ulong p = Car(l);
                if (k.EqualsString(Slot(p, PkgNameSlot))) return p;
                for (ulong n = Slot(p, PkgNicknamesSlot); n != W.Nil; n = Cdr(n))
                    if (k.EqualsString(Car(n))) return p;
            }
            return W.Nil;
        }

        /// <summary>Adds `used` to pkg's use-list (once).</summary>
        public void UsePackage(ulong pkg, ulong used)
        {
            for (ulong l = Slot(pkg, PkgUseListSlot); l != W.Nil; l = Cdr(l)) if (Car(l) == used) return;
            int m = rootTop;
            int r = PushRoot(pkg);
            ulong c = Cons(used, Slot(pkg, PkgUseListSlot));
            SetSlot(rootStack[r], PkgUseListSlot, c);
            rootTop = m;
        }

        // ---- finding ----

        public ulong FindSymbol(string name, ulong pkg, out SymbolStatus status)
        {
            NameKey k = NameKey.Of(name);
            return FindSymbolKey(ref k, pkg, out status);
        }

        public ulong FindSymbolBytes(byte* p, int n, ulong pkg, out SymbolStatus status)
        {
            NameKey k = NameKey.OfUtf8(p, n);
            return FindSymbolKey(ref k, pkg, out status);
        }

        /// <summary>Finds the symbol named by a Lisp string in pkg (CL find-symbol).</summary>
        public ulong FindSymbolNamed(ulong str, ulong pkg, out SymbolStatus status)
        {
            NameKey k = NameKey.OfLisp(str);
            return FindSymbolKey(ref k, pkg, out status);
        }

        ulong FindSymbolKey(ref NameKey k, ulong pkg, out SymbolStatus status)
        {
            ulong h = k.Hash();
            ulong v;
            if (HashGetName(Slot(pkg, PkgExternalSlot), ref k, h, out v)) { status = SymbolStatus.External; return v; }
            if (HashGetName(Slot(pkg, PkgInternalSlot), ref k, h, out v)) { status = SymbolStatus.Internal; return v; }
            for (ulong l = Slot(pkg, PkgUseListSlot); l != W.Nil; l = Cdr(l))
            {
                if (HashGetName(Slot(Car(l), PkgExternalSlot), ref k, h, out v)) { status = SymbolStatus.Inherited; return v; }
            }
            status = SymbolStatus.None;
            return W.Nil;
        }

        // ---- interning ----

        /// <summary>CL intern: the existing accessible symbol (status says how it was found)
        /// or a new one (status None). Interning in KEYWORD makes a self-evaluating external
        /// constant.</summary>
        public ulong Intern(string name, ulong pkg, out SymbolStatus status)
        {
            NameKey k = NameKey.Of(name);
            return InternKey(ref k, pkg, out status);
        }

        public ulong Intern(string name, ulong pkg) { SymbolStatus st; return Intern(name, pkg, out st); }

        /// <summary>Intern name[start..] (e.g. start 1 to skip a keyword's colon).</summary>
        public ulong Intern(string name, int start, ulong pkg)
        {
            NameKey k = NameKey.Of(name, start);
            SymbolStatus status;
            return InternKey(ref k, pkg, out status);
        }

        /// <summary>Shared by the string overloads: find, else make the name string and add.</summary>
        ulong InternKey(ref NameKey k, ulong pkg, out SymbolStatus status)
        {
            ulong s = FindSymbolKey(ref k, pkg, out status);
            if (status != SymbolStatus.None) return s;
            int m = rootTop;
            int r = PushRoot(pkg);
            ulong str = MakeStringFromKey(ref k);
            s = AddNewSymbol(str, rootStack[r]);
            rootTop = m;
            return s;
        }

        /// <summary>Intern from UTF-8 bytes (the reader's token). p must not point into the heap.</summary>
        public ulong InternBytes(byte* p, int n, ulong pkg, out SymbolStatus status)
        {
            NameKey k = NameKey.OfUtf8(p, n);
            ulong s = FindSymbolKey(ref k, pkg, out status);
            if (status != SymbolStatus.None) return s;
            int m = rootTop;
            int r = PushRoot(pkg);
            ulong str = MakeStringFromKey(ref k);
            s = AddNewSymbol(str, rootStack[r]);
            rootTop = m;
            return s;
        }

        public ulong InternBytes(byte* p, int n, ulong pkg) { SymbolStatus st; return InternBytes(p, n, pkg, out st); }

        /// <summary>Intern a Lisp string (copied if a new symbol is made). Protects its arguments.</summary>
        public ulong InternString(ulong str, ulong pkg, out SymbolStatus status)
        {
            NameKey k = NameKey.OfLisp(str);
            ulong s = FindSymbolKey(ref k, pkg, out status);
            if (status != SymbolStatus.None) return s;
            return AddSymbolCopyingName(str, pkg);
        }

        /// <summary>A new symbol in pkg named by a copy of the Lisp string str. Protects its arguments.</summary>
        ulong AddSymbolCopyingName(ulong str, ulong pkg)
        {
            int m = rootTop;
            int r = PushRoot(pkg); PushRoot(str);
            int n = Length(str);
            bool wide = TypeOf(str) == ObjType.String32;
            ulong copy = MakeStringN(n, wide);
            str = rootStack[r + 1];
            Bits.CopyBytes(RawData(copy), RawData(str), (ulong)n * (wide ? 4UL : 1UL));
            ulong s = AddNewSymbol(copy, rootStack[r]);
            rootTop = m;
            return s;
        }

        /// <summary>CL shadow for one name: the symbol present in pkg itself (internal or
        /// external), made new if the name is only inherited or absent. Protects its arguments.</summary>
        public ulong InternPresent(ulong str, ulong pkg)
        {
            NameKey k = NameKey.OfLisp(str);
            SymbolStatus status;
            ulong s = FindSymbolKey(ref k, pkg, out status);
            if (status == SymbolStatus.Internal || status == SymbolStatus.External) return s;
            return AddSymbolCopyingName(str, pkg);
        }

        /// <summary>CL import / shadowing-import of one symbol: a present symbol of the same
        /// name is removed first (the caller has checked for conflicts), then sym becomes an
        /// internal symbol of pkg; a homeless sym gets pkg as its home. Protects its arguments.</summary>
        public void ImportSymbol(ulong sym, ulong pkg)
        {
            int m = rootTop;
            int r = PushRoot(sym); PushRoot(pkg);
            ulong name = SymbolName(sym);
            ulong old;
            if (HashGet(Slot(pkg, PkgInternalSlot), name, out old) && old != sym && SymbolPackage(old) == pkg)
                SetSymbolPackage(old, W.Nil);
            if (HashGet(Slot(pkg, PkgExternalSlot), name, out old) && old != sym && SymbolPackage(old) == pkg)
                SetSymbolPackage(old, W.Nil);
            if (HashGet(Slot(pkg, PkgExternalSlot), name, out old) && old == sym) { rootTop = m; return; }
            HashRemove(Slot(pkg, PkgExternalSlot), name);
            HashRemove(Slot(rootStack[r + 1], PkgInternalSlot), SymbolName(rootStack[r]));
            if (SymbolPackage(rootStack[r]) == W.Nil) SetSymbolPackage(rootStack[r], rootStack[r + 1]);
            HashPut(Slot(rootStack[r + 1], PkgInternalSlot), SymbolName(rootStack[r]), rootStack[r]);
            rootTop = m;
        }

        /// <summary>Intern and export (for defining the CL and system vocabularies).</summary>
        public ulong InternExternal(string name, ulong pkg)
        {
            int m = rootTop;
            int r = PushRoot(pkg);
            ulong s = Intern(name, pkg);
            Export(s, rootStack[r]);
            s = Intern(name, rootStack[r]);
            rootTop = m;
            return s;
        }

        ulong AddNewSymbol(ulong name, ulong pkg)
        {
            int m = rootTop;
            int r = PushRoot(pkg);
            ulong s = MakeSymbol(name);
            PushRoot(s);
            SetSymbolPackage(s, rootStack[r]);
            bool kw = rootStack[r] == heapRoots[RootKeyword];
            if (kw)
            {
                SetSymbolValue(s, s);
                SetSymbolFlagBits(s, SymbolFlags.Keyword | SymbolFlags.Constant);
            }
            HashPut(Slot(rootStack[r], kw ? PkgExternalSlot : PkgInternalSlot), SymbolName(s), s);
            s = rootStack[r + 1];
            rootTop = m;
            return s;
        }

        /// <summary>Makes sym external in pkg (imports it first if it is not present there).</summary>
        public void Export(ulong sym, ulong pkg)
        {
            int m = rootTop;
            int r = PushRoot(sym); PushRoot(pkg);
            ulong name = SymbolName(sym);
            HashRemove(Slot(pkg, PkgInternalSlot), name);
            HashPut(Slot(rootStack[r + 1], PkgExternalSlot), SymbolName(rootStack[r]), rootStack[r]);
            rootTop = m;
        }

        /// <summary>Makes sym internal in pkg when it is external there (UNEXPORT); false when
        /// it is not one of pkg's external symbols.</summary>
        public bool Unexport(ulong sym, ulong pkg)
        {
            ulong name = SymbolName(sym);
            if (!HashGet(Slot(pkg, PkgExternalSlot), name, out ulong cur) || cur != sym) return false;
            int m = rootTop;
            int r = PushRoot(sym); PushRoot(pkg);
            HashRemove(Slot(pkg, PkgExternalSlot), name);
            HashPut(Slot(rootStack[r + 1], PkgInternalSlot), SymbolName(rootStack[r]), rootStack[r]);
            rootTop = m;
            return true;
        }
    }
}
