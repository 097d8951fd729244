// Why: hand-written cases miss interleavings. A seeded random mutator builds and rewires
// a graph of vectors (small young ones, large old ones, cycles, old->young stores) while
// collections run, and a C# model of the same graph must match the heap at the end.
using System.Collections.Generic;
using LispVm.Gc;
using Xunit;

namespace LispVm.Tests.Gc
{
    public class RandomGraphTests
    {
        [Theory]
        [InlineData(1, 0, 0, 20000)]
        [InlineData(2, 0, 0, 20000)]
        [InlineData(3, 1, 7, 2500)]     // stress: minor GC on every allocation, full every 7th
        public void RandomMutatorMatchesModel(int seed, int stressEvery, int stressFull, int ops)
        {
            using var t = new GcTestHeap(limitMiB: 96, stressEvery: stressEvery, stressFull: stressFull,
                                         verify: stressEvery != 0, nurseryMiB: 2);
            var h = t.H;
            var rnd = new System.Random(seed);
            var model = new Dictionary<long, long[]>();    // id -> slot targets (-1 = NIL)
            var roots = new long[16];
            for (int i = 0; i < roots.Length; i++) roots[i] = -1;
            long nextId = 0;

            for (int op = 0; op < ops; op++)
            {
                int kind = rnd.Next(100);
                if (kind < 45)
                {
                    // New vector: slot 0 holds its id, slots 1.. are references.
                    int n = rnd.Next(20) == 0 ? 9000 : 1 + rnd.Next(6);
                    ulong v = h.MakeVector(n + 1, W.Nil);
                    long id = nextId++;
                    h.SetSlot(v, 0, W.Fix(id));
                    model[id] = NewSlots(n);
                    if (rnd.Next(2) == 0)
                    {
                        int r = rnd.Next(roots.Length);
                        t[r] = v; roots[r] = id;
                    }
                    else
                    {
                        int mark = h.RootMark();
                        int vi = h.PushRoot(v);
                        ulong target; long tid;
                        if (Pick(t, h, rnd, roots, model, out target, out tid))
                        {
                            int j = 1 + rnd.Next(model[tid].Length);
                            h.SetSlot(target, j, h.Root(vi));
                            model[tid][j - 1] = id;
                        }
                        h.PopRoots(mark);
                    }
                }
                else if (kind < 85)
                {
                    ulong a, b; long aid, bid;
                    if (Pick(t, h, rnd, roots, model, out a, out aid) && Pick(t, h, rnd, roots, model, out b, out bid))
                    {
                        int j = 1 + rnd.Next(model[aid].Length);
                        h.SetSlot(a, j, b);
                        model[aid][j - 1] = bid;
                    }
                }
                else if (kind < 93)
                {
                    int r = rnd.Next(roots.Length);
                    t[r] = W.Nil; roots[r] = -1;
                }
                else if (kind < 97) h.Collect(false);
                else h.Collect(true);
            }
            Assert.Null(h.LastVerifyError);
            Assert.False(h.IsDead);
            h.Collect(false);
            Assert.Null(h.Verify());
            Compare(t, h, roots, model);
            h.Collect(true);
            Assert.Null(h.Verify());
            Compare(t, h, roots, model);
        }

        static long[] NewSlots(int n) { var s = new long[n]; for (int i = 0; i < n; i++) s[i] = -1; return s; }

        /// <summary>A random reachable vector: a root, then a short random walk.</summary>
        static bool Pick(GcTestHeap t, Heap h, System.Random rnd, long[] roots, Dictionary<long, long[]> model,
                         out ulong obj, out long id)
        {
            obj = W.Nil; id = -1;
            int r = rnd.Next(roots.Length);
            if (roots[r] < 0) return false;
            obj = t[r]; id = roots[r];
            int steps = rnd.Next(4);
            for (int s = 0; s < steps; s++)
            {
                long[] slots = model[id];
                int j = rnd.Next(slots.Length);
                if (slots[j] < 0) break;
                obj = h.Slot(obj, j + 1); id = slots[j];
            }
            Assert.Equal(W.Fix(id), h.Slot(obj, 0));
            return true;
        }

        static void Compare(GcTestHeap t, Heap h, long[] roots, Dictionary<long, long[]> model)
        {
            var seen = new Dictionary<long, ulong>();
            var work = new Stack<(ulong, long)>();
            for (int i = 0; i < roots.Length; i++)
            {
                if (roots[i] < 0) { Assert.Equal(W.Nil, t[i]); continue; }
                work.Push((t[i], roots[i]));
            }
            while (work.Count > 0)
            {
                var (obj, id) = work.Pop();
                Assert.Equal(W.Fix(id), h.Slot(obj, 0));
                if (seen.TryGetValue(id, out ulong prev)) { Assert.Equal(prev, obj); continue; }  // identity kept
                seen[id] = obj;
                long[] slots = model[id];
                Assert.Equal(slots.Length + 1, h.Length(obj));
                for (int j = 0; j < slots.Length; j++)
                {
                    ulong s = h.Slot(obj, j + 1);
                    if (slots[j] < 0) Assert.Equal(W.Nil, s);
                    else work.Push((s, slots[j]));
                }
            }
        }
    }
}
