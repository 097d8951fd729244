// Symbols: 7-word boxed objects tagged 101 (DESIGN.md §3). NIL is the immediate W.Nil;
// its name/plist/package live in the NilSymbol object, which the accessors use whenever
// they see W.Nil. The hash slot is the name's hash so eq tables never rehash symbol keys.
using System.Runtime.CompilerServices;

namespace LispVm.Gc
{
    public sealed unsafe partial class Heap
    {
        public const int SymNameSlot = 0, SymValueSlot = 1, SymFunctionSlot = 2, SymPlistSlot = 3,
            SymPackageSlot = 4, SymHashSlot = 5, SymFlagsSlot = 6, SymbolWords = 7;

        /// <summary>The symbol object holding NIL's data. Never hand it out as a value.</summary>
        public ulong NilSymbol { get { return heapRoots[RootNilSymbol]; } }
        /// <summary>The symbol T.</summary>
        public ulong T { get { return heapRoots[RootT]; } }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        ulong SymObj(ulong s) { return s == W.Nil ? heapRoots[RootNilSymbol] : s; }

        /// <summary>New uninterned symbol named by the Lisp string `name` (not copied).</summary>
        public ulong MakeSymbol(ulong name)
        {
            int m = rootTop;
            int r = PushRoot(name);
            ulong s = AllocBoxed(ObjType.Symbol, SymbolWords);
            name = rootStack[r];
            rootTop = m;
            SetSlot(s, SymNameSlot, name);
            SetSlot(s, SymValueSlot, W.Unbound);
            SetSlot(s, SymFunctionSlot, W.Unbound);
            SetSlot(s, SymHashSlot, W.Fix((long)StringHash(name)));
            SetSlot(s, SymFlagsSlot, W.Fix(0));
            return s;
        }

        public ulong MakeSymbol(string name) { return MakeSymbol(MakeString(name)); }

        public ulong SymbolName(ulong s) { return Slot(SymObj(s), SymNameSlot); }
        public ulong SymbolValue(ulong s) { return s == W.Nil ? W.Nil : Slot(s, SymValueSlot); }
        public void SetSymbolValue(ulong s, ulong v) { SetSlot(SymObj(s), SymValueSlot, v); }
        public ulong SymbolFunction(ulong s) { return Slot(SymObj(s), SymFunctionSlot); }
        public void SetSymbolFunction(ulong s, ulong v) { SetSlot(SymObj(s), SymFunctionSlot, v); }
        public ulong SymbolPlist(ulong s) { return Slot(SymObj(s), SymPlistSlot); }
        public void SetSymbolPlist(ulong s, ulong v) { SetSlot(SymObj(s), SymPlistSlot, v); }
        public ulong SymbolPackage(ulong s) { return Slot(SymObj(s), SymPackageSlot); }
        public void SetSymbolPackage(ulong s, ulong v) { SetSlot(SymObj(s), SymPackageSlot, v); }
        public long SymbolHash(ulong s) { return W.FixVal(Slot(SymObj(s), SymHashSlot)); }
        /// <summary>SymbolFlags bits (Special, Constant, Keyword).</summary>
        public long SymbolFlagBits(ulong s) { return W.FixVal(Slot(SymObj(s), SymFlagsSlot)); }
        public void SetSymbolFlagBits(ulong s, long flags) { SetSlot(SymObj(s), SymFlagsSlot, W.Fix(flags)); }
        public bool IsKeyword(ulong s) { return W.IsSymbol(s) && (SymbolFlagBits(s) & SymbolFlags.Keyword) != 0; }
    }
}
