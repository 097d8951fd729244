// The Lisp heap: one reserved range holding a growing old space followed by a fixed
// nursery, plus side tables (mark bitmap, forwarding blocks, cards, crossing map, mark
// stack). This file has the state and the allocation paths; the bump fast paths are
// small and inlined, everything else (collection, growth, exhaustion) is in AllocSlow.
using System.Runtime.CompilerServices;

namespace LispVm.Gc
{
    public sealed unsafe partial class Heap
    {
        // ---- layout (fixed after construction) ----
        readonly IFrameSource frames;
        /// <summary>Where the heap's memory comes from; work stacks outside the heap
        /// (GrowableArrays) commit their frames from it too.</summary>
        public IFrameSource Frames { get { return frames; } }
        readonly IGcClock clock;
        readonly IHeapPanic panic;
        ulong pageSize;
        ulong reserveBase, reserveBytes;
        ulong oldBase;          // old space [oldBase, oldBase + oldMax)
        ulong oldMax;
        ulong nurBase, nurEnd;  // nursery directly above the old space
        ulong nurSize;
        ulong heapSpan;         // nurEnd - oldBase: pointers outside are ignored by the GC
        ulong* markBits;        // 1 bit per heap word, over [oldBase, nurEnd)
        ulong* blockDest;       // per 64-word block: destination word index (full GC)
        byte* cards;            // 1 byte per 512-byte card of the old space
        uint* crossing;         // per card: word offset of the object covering the card start
        ulong* markStack;
        ulong markStackCap;

        // ---- allocation state ----
        ulong nurStart;         // first nursery object (nurBase except in stress+verify mode)
        ulong nurTop;           // bump pointer
        ulong nurLimit;         // fast-path limit (== nurTop in stress mode)
        ulong nurAllocEnd;      // effective nursery end (smaller when old space is short)
        ulong oldTop;
        ulong oldCommitEnd;
        ulong oldSoftEnd, oldHardEnd;   // usage caps: soft = limit, hard = limit + reserve
        ulong oldCapEnd;                // current cap (soft, or hard once exhausted)
        ulong nextFullAt;               // old-space use that triggers a full GC
        ulong nurBudget;                // nursery bytes to fill before the next minor (SizeNursery)
        ulong survivorTarget;           // survivor bytes a minor collection aims at (0 = whole nursery)
        ulong largeBytes;
        ulong minNursery;
        ulong limitBytes, reserveOpt;

        // ---- stress / state ----
        int stressEvery, stressFullEvery, stressCount, stressGcCount;
        bool verifyAfterGc;
        int verifyEvery, verifyCount;
        bool exhausted;
        // After the VM has signalled storage-condition (AcknowledgeStorageExhausted) the reserve
        // stays open until a collection finds usage back under the soft limit, so handling the
        // condition (the handler search, the unwinding, the handler itself) cannot exhaust the
        // heap again and signal a second condition where no handler is left. Usage past
        // graceMark (half of what the reserve had left) signals again; the reserve's end dies.
        bool grace;
        ulong graceMark;
        bool dead;
        bool inGc;
        public string LastVerifyError;

        /// <summary>The C# stack's low-water mark (set by the platform; see StackLimit.cs).</summary>
        public readonly StackLimit Stack = new StackLimit();

        // ---- roots ----
        readonly ulong[] rootStack;
        int rootTop;
        readonly IGcRoots[] extraRoots = new IGcRoots[32];
        int extraRootCount;
        readonly ulong[] heapRoots = new ulong[16];
        const int RootNilSymbol = 0, RootT = 1, RootPackages = 2, RootCl = 3, RootKeyword = 4,
            RootUser = 5, RootSystem = 6;

        // ---- stats ----
        ulong framesCommitted;
        ulong bytesAllocatedBefore;     // nursery bytes counted at each GC + old allocations
        ulong liveAfterGc;
        ulong minorCount, fullCount;
        long gcTicks, maxPause;
        ulong gcEpoch, fullEpoch;

        public const ulong CardBytes = 512;
        const int CardShift = 9;
        const ulong Align2M = 2UL << 20;

        /// <summary>Builds a heap with the given soft limit (0 = options/default) over memory
        /// from `frames`. On failure the panic hook is called and IsDead is set.</summary>
        public Heap(IFrameSource frames, ulong limitBytes, HeapOptions options)
        {
            if (options == null) options = new HeapOptions();
            this.frames = frames;
            clock = options.Clock;
            panic = options.Panic;
            rootStack = new ulong[options.RootStackEntries > 0 ? options.RootStackEntries : 1024];
            stressEvery = options.StressMinorEvery;
            stressFullEvery = options.StressFullEvery;
            verifyAfterGc = options.VerifyAfterGc;
            verifyEvery = options.VerifyEvery > 0 ? options.VerifyEvery : 1;
            largeBytes = options.LargeObjectBytes < 1024 ? 1024 : options.LargeObjectBytes;
            this.limitBytes = limitBytes != 0 ? limitBytes : options.LimitBytes;
            reserveOpt = options.ReserveBytes;
            survivorTarget = options.MinorSurvivorTargetBytes;
            if (!Layout(options.NurseryBytes)) { Die("heap: cannot reserve or commit memory"); return; }
            Bootstrap();
        }

        public Heap(IFrameSource frames) : this(frames, 0, null) { }

        /// <summary>True once the panic hook was called and returned.</summary>
        public bool IsDead { get { return dead; } }

        /// <summary>Set when the limit was reached and the emergency reserve is in use. The VM
        /// signals storage-condition at a safe point, then calls AcknowledgeStorageExhausted.</summary>
        public bool StorageExhausted { get { return exhausted; } }

        /// <summary>Clears StorageExhausted. The cap stays at the reserve's end until a collection
        /// finds usage back under the soft limit (then the soft limit holds again); meanwhile
        /// usage past half of what the reserve has left sets the flag again.</summary>
        public void AcknowledgeStorageExhausted()
        {
            if (!exhausted) return;
            exhausted = false;
            grace = true;
            oldCapEnd = oldHardEnd;
            graceMark = oldTop + (oldHardEnd > oldTop ? (oldHardEnd - oldTop) / 2 : 0);
        }

        /// <summary>Collections so far (minor + full); eq tables compare it to rehash lazily.</summary>
        public ulong GcEpoch { get { return gcEpoch; } }
        public ulong FullGcEpoch { get { return fullEpoch; } }

        // ------------------------------------------------------------------ allocation

        /// <summary>New cons. Protects car and cdr itself.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ulong Cons(ulong car, ulong cdr)
        {
            ulong p = nurTop;
            if (p + 16 <= nurLimit)
            {
                nurTop = p + 16;
                ((ulong*)p)[0] = car;
                ((ulong*)p)[1] = cdr;
                return p | W.TagCons;
            }
            return ConsSlow(car, cdr);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        ulong ConsSlow(ulong car, ulong cdr)
        {
            int m = rootTop;
            int a = PushRoot(car); PushRoot(cdr);
            ulong p = AllocSlow(16);
            if (p == 0) return W.Nil;
            ((ulong*)p)[0] = rootStack[a];
            ((ulong*)p)[1] = rootStack[a + 1];
            rootTop = m;
            return p | W.TagCons;
        }

        /// <summary>New boxed object (type &lt; 0x80) with `nwords` body words set to NIL.
        /// Symbols come back tagged 101, everything else 011. May be allocated old (large
        /// objects): always store through SetSlot.</summary>
        public ulong AllocBoxed(ObjType type, int nwords)
        {
            ulong n = (ulong)(uint)nwords;
            ulong bytes = 8 + n * 8;
            ulong p = nurTop;
            if (p + bytes <= nurLimit && bytes < largeBytes) nurTop = p + bytes;
            else if ((p = AllocSlow(bytes)) == 0) return W.Nil;
            *(ulong*)p = W.MakeHeader(type, (uint)n, 0);
            Bits.FillWords((ulong*)(p + 8), W.Nil, n);
            return p | (type == ObjType.Symbol ? W.TagSymbol : W.TagObj);
        }

        /// <summary>New raw object (type &gt;= 0x80) with `nelems` elements, body zeroed.</summary>
        public ulong AllocRaw(ObjType type, long nelems)
        {
            ulong n = (ulong)nelems;
            ulong words = ObjTypes.BodyWordsFor(type, n);
            ulong bytes = 8 + words * 8;
            ulong p = nurTop;
            if (p + bytes <= nurLimit && bytes < largeBytes) nurTop = p + bytes;
            else if ((p = AllocSlow(bytes)) == 0) return W.Nil;
            *(ulong*)p = W.MakeHeader(type, (uint)n, 0);
            Bits.FillWords((ulong*)(p + 8), 0, words);
            return p | W.TagObj;
        }

        /// <summary>Largest object the heap could ever hold (for callers that must check
        /// a user-supplied size before allocating).</summary>
        public ulong MaxObjectBytes { get { return oldHardEnd - oldBase; } }

        /// <summary>Address of `bytes` fresh bytes. On a dead heap (the panic hook returned)
        /// a scratch area in the nursery for small requests, 0 (callers return NIL) for big ones.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        ulong AllocSlow(ulong bytes)
        {
            if (dead) return DeadSink(bytes);
            if (bytes >= largeBytes) return AllocOld(bytes);
            if (stressEvery > 0 && !inGc)
            {
                if (++stressCount >= stressEvery) { stressCount = 0; StressCollect(); }
            }
            if (nurTop + bytes > nurAllocEnd) CollectForAllocation();
            if (dead) return DeadSink(bytes);
            if (nurTop + bytes > nurAllocEnd) return AllocOld(bytes);
            ulong p = nurTop;
            nurTop = p + bytes;
            nurLimit = stressEvery > 0 ? nurTop : nurAllocEnd;
            return p;
        }

        /// <summary>Bump-allocates in the old space (large objects, or a nursery squeezed by
        /// exhaustion). Collects or uses the reserve when the cap is reached.</summary>
        ulong AllocOld(ulong bytes)
        {
            if (oldTop - oldBase + bytes > nextFullAt && !inGc) CollectFull();
            if (!OldRoom(bytes))
            {
                if (!inGc) CollectFull();
                if (!OldRoom(bytes))
                {
                    exhausted = true;
                    grace = false;
                    oldCapEnd = oldHardEnd;
                    if (!OldRoom(bytes)) { Die("heap: storage exhausted, emergency reserve used up"); return DeadSink(bytes); }
                }
            }
            ulong p = oldTop;
            oldTop = p + bytes;
            NoteOldObject(p, bytes);
            bytesAllocatedBefore += bytes;
            ulong avail = oldCapEnd > oldTop ? oldCapEnd - oldTop : 0;
            if (nurAllocEnd - nurStart > avail) { nurAllocEnd = nurStart + avail; if (nurAllocEnd < nurTop) nurAllocEnd = nurTop; }
            nurLimit = stressEvery > 0 ? nurTop : nurAllocEnd;
            return p;
        }

        /// <summary>Whether an object of `bytes` fits under the limit, collecting first if it
        /// does not fit now. A builtin asked for an object larger than what is left signals
        /// storage-condition instead of allocating (the heap's reserve cannot hold it, and
        /// running out of that is a panic). A collection here moves objects: call it before
        /// holding heap references in C# locals.</summary>
        public bool RoomFor(ulong bytes)
        {
            if (dead) return false;
            if (bytes < largeBytes) return true;       // the nursery path handles these
            if (OldRoom(bytes)) return true;
            if (inGc) return false;
            CollectFull();
            UpdateNurseryLimit();
            return OldRoom(bytes);
        }

        bool OldRoom(ulong bytes)
        {
            ulong end = oldTop + bytes;
            if (end > oldCapEnd || end < oldTop) return false;
            return EnsureOldCommitted(end);
        }

        ulong DeadSink(ulong bytes) { return bytes <= nurSize ? nurBase : 0; }

        void Die(string reason)
        {
            dead = true;
            nurLimit = 0;
            if (panic != null) panic.HeapPanic(reason);
        }
    }
}
