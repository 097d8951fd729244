// Why: every GC test needs a fresh heap over real mmap'd memory (the hosted frame source),
// a panic hook that records instead of exiting, and a root set for test locals, so the
// tests exercise the same code paths as the platform does.
using LispVm.Gc;
using LispVm.Hosted;

namespace LispVm.Tests.Gc
{
    sealed class RecordingPanic : IHeapPanic
    {
        public string Reason;
        public int Count;
        public void HeapPanic(string reason) { Reason = reason; Count++; }
    }

    /// <summary>Root slots held by a test (survive every collection, updated in place).</summary>
    sealed class TestRoots : IGcRoots
    {
        public readonly ulong[] Slots = new ulong[64];
        public TestRoots() { for (int i = 0; i < Slots.Length; i++) Slots[i] = W.Nil; }
        public void VisitRoots(Heap heap) { for (int i = 0; i < Slots.Length; i++) heap.VisitRoot(ref Slots[i]); }
    }

    sealed class GcTestHeap : System.IDisposable
    {
        public readonly HostedFrameSource Frames = new HostedFrameSource();
        public readonly RecordingPanic Panic = new RecordingPanic();
        public readonly TestRoots Roots = new TestRoots();
        public readonly Heap H;

        public GcTestHeap(ulong limitMiB = 64, int stressEvery = 0, int stressFull = 0, bool verify = false,
                          ulong nurseryMiB = 2, ulong reserveMiB = 1, ulong survivorTargetKiB = 512)
        {
            var o = new HeapOptions
            {
                LimitBytes = limitMiB << 20, NurseryBytes = nurseryMiB << 20, ReserveBytes = reserveMiB << 20,
                StressMinorEvery = stressEvery, StressFullEvery = stressFull, VerifyAfterGc = verify,
                Panic = Panic, Clock = new HostedGcClock(), MinorSurvivorTargetBytes = survivorTargetKiB << 10,
            };
            H = new Heap(Frames, 0, o);
            H.AddRoots(Roots);
        }

        public ulong this[int i] { get { return Roots.Slots[i]; } set { Roots.Slots[i] = value; } }

        // Table in root slot `slot`; the key is evaluated (allocated) before the table is read.
        public bool Get(int slot, ulong key, out ulong v) { return H.HashGet(Roots.Slots[slot], key, out v); }
        public void Put(int slot, ulong key, ulong v) { H.HashPut(Roots.Slots[slot], key, v); }

        /// <summary>List (0 1 ... n-1) of fixnums.</summary>
        public ulong Range(int n)
        {
            ulong l = W.Nil;
            for (int i = n - 1; i >= 0; i--) l = H.Cons(W.Fix(i), l);
            return l;
        }

        public bool IsRange(ulong l, int n)
        {
            for (int i = 0; i < n; i++)
            {
                if (!W.IsCons(l) || H.Car(l) != W.Fix(i)) return false;
                l = H.Cdr(l);
            }
            return l == W.Nil;
        }

        public string Str(ulong s)
        {
            var sb = new System.Text.StringBuilder();
            for (int i = 0; i < H.Length(s); i++) sb.Append(char.ConvertFromUtf32(H.StringChar(s, i)));
            return sb.ToString();
        }

        public void Dispose() { H.Destroy(); }
    }
}
