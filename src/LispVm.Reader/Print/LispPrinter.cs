// Why: prin1/princ for every heap object type with an explicit frame stack (no C#
// recursion on depth). Frame objects live in arrays reported as GC roots and are
// re-read after every character written, because a sink may allocate and move objects.
// Circular lists terminate even without *print-circle* (Floyd cycle check on the cdr
// chain, depth capped by the frame capacity); with *print-circle* shared conses and
// vectors get #n= / #n# labels from an eq hash table built in a first pass.
using LispVm.Gc;
using LispVm.Reader.Numbers;

namespace LispVm.Reader
{
    public sealed unsafe partial class LispPrinter : IGcRoots
    {
        readonly Heap heap;
        readonly Num num;
        public readonly int MaxDepth;
        const byte FList = 1, FVector = 2;
        // Frame stack: parallel arrays reserved for MaxDepth levels, committed as deep as
        // used (GrowableArrays on the heap's frame source).
        readonly GrowableArrays frames;
        readonly byte* fKind;
        readonly int* fIndex;
        readonly ulong* fObj, fSlow, fHead;    // GC roots ([0, depth) live); fHead = the container itself
        int depth;
        // roots: 0 = object being printed, 1 = circle table, 2 = temp
        readonly ulong[] roots = new ulong[4];   // 3 = ancestor table (deep frames, no *print-circle*)
        readonly ulong[] syms = new ulong[5];   // QUOTE, FUNCTION, QUASIQUOTE, UNQUOTE, UNQUOTE-SPLICING
        IPrintSink sink;
        PrintOptions opt;
        PrintStatus status;
        int nextLabel;
        readonly byte[] digits;
        readonly int[] nameChars = new int[256];
        readonly Big reg;

        public LispPrinter(Heap heap, Num num, int maxDepth = 1 << 17)
        {
            this.heap = heap; this.num = num;
            frames = new GrowableArrays(heap.Frames, maxDepth, 1, 4, 8, 8, 8);
            MaxDepth = frames.MaxCount;
            fKind = (byte*)frames.Base(0); fIndex = (int*)frames.Base(1);
            fObj = (ulong*)frames.Base(2); fSlow = (ulong*)frames.Base(3); fHead = (ulong*)frames.Base(4);
            digits = new byte[num.Ar.MaxDigits * 32 + 16];
            reg = num.Ar.NewRegister();
            for (int i = 0; i < roots.Length; i++) roots[i] = W.Nil;
            heap.AddRoots(this);
            syms[0] = heap.InternExternal("QUOTE", heap.CommonLispPackage);
            syms[1] = heap.InternExternal("FUNCTION", heap.CommonLispPackage);
            syms[2] = heap.InternExternal("QUASIQUOTE", heap.SystemPackage);
            syms[3] = heap.InternExternal("UNQUOTE", heap.SystemPackage);
            syms[4] = heap.InternExternal("UNQUOTE-SPLICING", heap.SystemPackage);
        }

        /// <summary>Same as LispReader.SetBackquoteSymbols, so `x prints back as `x.</summary>
        public void SetBackquoteSymbols(ulong quasi, ulong unquote, ulong splicing)
        {
            syms[2] = quasi; syms[3] = unquote; syms[4] = splicing;
        }

        public int ShorthandIndex(ulong head)
        {
            for (int i = 0; i < syms.Length; i++) if (syms[i] == head) return i;
            return -1;
        }

        public void VisitRoots(Heap h)
        {
            for (int i = 0; i < depth; i++) { h.VisitRoot(ref fObj[i]); h.VisitRoot(ref fSlow[i]); h.VisitRoot(ref fHead[i]); }
            for (int i = 0; i < roots.Length; i++) h.VisitRoot(ref roots[i]);
            for (int i = 0; i < syms.Length; i++) h.VisitRoot(ref syms[i]);
            if (opt.Package != 0) h.VisitRoot(ref opt.Package);
        }

        void Put(int c) => sink.WriteChar(c);
        void Put(string s) { for (int i = 0; i < s.Length; i++) sink.WriteChar(s[i]); }
        void PutBytes(byte[] b, int n) { for (int i = 0; i < n; i++) sink.WriteChar(b[i]); }

        void PutInt(long v)
        {
            if (v < 0) { Put('-'); v = -v; }
            long div = 1;
            while (v / div >= 10) div *= 10;
            for (; div > 0; div /= 10) Put((int)('0' + (v / div) % 10));
        }

        void PutHex(ulong v)
        {
            int shift = 60;
            while (shift > 0 && ((v >> shift) & 15) == 0) shift -= 4;
            for (; shift >= 0; shift -= 4) { int d = (int)((v >> shift) & 15); Put(d < 10 ? '0' + d : 'A' + d - 10); }
        }

        /// <summary>Prints x to s. Returns NotReadable if *print-readably* could not be honoured.</summary>
        public PrintStatus Print(ulong x, IPrintSink s, PrintOptions o)
        {
            sink = s; opt = o; status = PrintStatus.Ok; depth = 0; nextLabel = 0;
            if (opt.Base < 2 || opt.Base > 36) opt.Base = 10;
            if (opt.Readably) { opt.Escape = true; opt.Level = -1; opt.Length = -1; }
            if (opt.Package == 0) opt.Package = heap.UserPackage;
            roots[0] = x;
            if (opt.Circle) BuildCircleTable();
            Run();
            while (depth > 0) { depth--; fObj[depth] = W.Nil; fSlow[depth] = W.Nil; fHead[depth] = W.Nil; }
            for (int i = 0; i < roots.Length; i++) roots[i] = W.Nil;
            opt.Package = 0; sink = null;
            return status;
        }

        bool IsVector(ulong x) => W.IsObj(x) && heap.TypeOf(x) == ObjType.SimpleVector;

        // One more frame fits: under MaxDepth and its memory committed.
        bool Room() { return depth < MaxDepth && frames.Ensure(depth + 1); }

        bool Push(byte kind, ulong obj, ulong slow)
        {
            fKind[depth] = kind; fIndex[depth] = 0; fObj[depth] = obj; fSlow[depth] = slow; fHead[depth] = W.Nil;
            depth++;
            return true;
        }

        void Pop()
        {
            depth--;
            if (depth >= ScanFrames && roots[3] != W.Nil) heap.HashRemove(roots[3], fHead[depth]);
            fObj[depth] = W.Nil; fSlow[depth] = W.Nil; fHead[depth] = W.Nil;
        }

        // Without *print-circle*, a container that is its own ancestor would print forever
        // (and a self-referencing vector or car branches exponentially): such an object is
        // printed as # instead. Ancestors are scanned linearly in the first ScanFrames frames
        // and kept in an eq table beyond, so deep but acyclic nesting stays linear.
        const int ScanFrames = 64;

        bool IsAncestor(ulong x)
        {
            int n = depth < ScanFrames ? depth : ScanFrames;
            for (int i = 0; i < n; i++) if (fHead[i] == x) return true;
            return depth > ScanFrames && roots[3] != W.Nil && heap.HashGet(roots[3], x, out _);
        }

        /// <summary>Records roots[0] as the head of the frame just pushed.</summary>
        void NoteHead()
        {
            int i = depth - 1;
            fHead[i] = roots[0];
            if (i < ScanFrames || opt.Circle) return;
            if (roots[3] == W.Nil) roots[3] = heap.MakeHashTable(HashTest.Eq, 64);
            heap.HashPut(roots[3], fHead[i], heap.T);
        }

        void Run()
        {
            bool haveObj = true;
            while (true)
            {
                if (haveObj)
                {
                    haveObj = false;
                    ulong x = roots[0];
                    if (opt.Circle && (W.IsCons(x) || IsVector(x)) && heap.HashGet(roots[1], x, out ulong lab))
                    {
                        if (W.IsFixnum(lab)) { Put('#'); PutInt(W.FixVal(lab)); Put('#'); goto next; }
                        if (lab != W.Nil)
                        {
                            int n = ++nextLabel;
                            heap.HashPut(roots[1], roots[0], W.Fix(n));
                            Put('#'); PutInt(n); Put('=');
                            x = roots[0];
                        }
                    }
                    if (W.IsCons(x))
                    {
                        ulong head = heap.Car(x), rest = heap.Cdr(x);
                        int sh = W.IsSymbol(head) && head != W.Nil ? ShorthandIndex(head) : -1;
                        if (sh >= 0 && W.IsCons(rest) && heap.Cdr(rest) == W.Nil && !(opt.Circle && Shared(rest)))
                        {
                            if (sh == 0) Put('\'');
                            else if (sh == 1) Put("#'");
                            else if (sh == 2) Put('`');
                            else if (sh == 3)
                            {
                                // ,@x or ,.x would read differently: write ", @x" style only when needed
                                Put(',');
                                ulong arg = heap.Car(heap.Cdr(roots[0]));
                                if (W.IsSymbol(arg) && arg != W.Nil && (StartsWithAtOrDot(arg))) Put(' ');
                            }
                            else Put(",@");
                            roots[0] = heap.Car(heap.Cdr(roots[0]));
                            haveObj = true;
                            continue;
                        }
                        if (opt.Level >= 0 && depth >= opt.Level) { Put('#'); goto next; }
                        if (!Room()) { Put('#'); status = PrintStatus.TooDeep; goto next; }
                        if (!opt.Circle && IsAncestor(x)) { Put('#'); goto next; }
                        Put('(');
                        if (opt.Length == 0) { Put("...)"); goto next; }
                        x = roots[0];
                        Push(FList, heap.Cdr(x), x);
                        fIndex[depth - 1] = 1;
                        NoteHead();
                        x = roots[0];
                        roots[0] = heap.Car(x);
                        haveObj = true;
                        continue;
                    }
                    if (IsVector(x))
                    {
                        if (opt.Level >= 0 && depth >= opt.Level) { Put('#'); goto next; }
                        if (!Room()) { Put('#'); status = PrintStatus.TooDeep; goto next; }
                        if (!opt.Circle && IsAncestor(x)) { Put('#'); goto next; }
                        Put('#'); Put('(');
                        Push(FVector, roots[0], W.Nil);
                        NoteHead();
                        goto next;
                    }
                    PrintAtom();
                }
            next:
                if (depth == 0) return;
                int top = depth - 1;
                if (fKind[top] == FList)
                {
                    ulong rest = fObj[top];
                    if (rest == W.Nil) { Put(')'); Pop(); continue; }
                    if (!W.IsCons(rest) || (opt.Circle && Shared(rest)))
                    {
                        Put(" . ");
                        roots[0] = fObj[top];
                        fObj[top] = W.Nil;
                        haveObj = true;
                        continue;
                    }
                    if (opt.Length >= 0 && fIndex[top] >= opt.Length) { Put(" ...)"); Pop(); continue; }
                    if (!opt.Circle)
                    {
                        if ((fIndex[top] & 1) == 0) fSlow[top] = heap.Cdr(fSlow[top]);
                        if (fSlow[top] == rest) { Put(" ...)"); Pop(); continue; }
                    }
                    Put(' ');
                    rest = fObj[top];
                    roots[0] = heap.Car(rest);
                    fObj[top] = heap.Cdr(rest);
                    fIndex[top]++;
                    haveObj = true;
                    continue;
                }
                else
                {
                    int i = fIndex[top];
                    int len = heap.Length(fObj[top]);
                    if (i >= len) { Put(')'); Pop(); continue; }
                    if (opt.Length >= 0 && i >= opt.Length) { Put(i > 0 ? " ...)" : "...)"); Pop(); continue; }
                    if (i > 0) Put(' ');
                    roots[0] = heap.Slot(fObj[top], i);
                    fIndex[top] = i + 1;
                    haveObj = true;
                    continue;
                }
            }
        }

        bool StartsWithAtOrDot(ulong sym)
        {
            ulong name = heap.SymbolName(sym);
            if (heap.Length(name) == 0) return false;
            int c = heap.StringChar(name, 0);
            return c == '@' || c == '.';
        }

        bool Shared(ulong x)
        {
            return heap.HashGet(roots[1], x, out ulong v) && v != W.Nil;
        }

        /// <summary>First *print-circle* pass: every cons/vector reached twice is marked T.</summary>
        void BuildCircleTable()
        {
            roots[1] = heap.MakeHashTable(HashTest.Eq, 64);
            depth = 0;
            Push(0, roots[0], W.Nil);
            while (depth > 0)
            {
                int top = depth - 1;
                ulong o = fObj[top];
                if (fKind[top] == 0)
                {
                    if (!(W.IsCons(o) || IsVector(o))) { Pop(); continue; }
                    if (heap.HashGet(roots[1], o, out ulong seen))
                    {
                        if (seen == W.Nil) heap.HashPut(roots[1], o, heap.T);
                        Pop(); continue;
                    }
                    heap.HashPut(roots[1], o, W.Nil);
                    o = fObj[top];
                    fKind[top] = W.IsCons(o) ? FList : FVector;
                    fIndex[top] = 0;
                }
                if (fKind[top] == FList)
                {
                    if (fIndex[top] == 0)
                    {
                        fIndex[top] = 1;
                        if (!Room()) continue;
                        Push(0, heap.Car(o), W.Nil);
                    }
                    else { fObj[top] = heap.Cdr(o); fKind[top] = 0; }   // tail call on the cdr
                }
                else
                {
                    int i = fIndex[top];
                    if (i >= heap.Length(o) || !Room()) { Pop(); continue; }
                    fIndex[top] = i + 1;
                    Push(0, heap.Slot(o, i), W.Nil);
                }
            }
        }
    }
}
