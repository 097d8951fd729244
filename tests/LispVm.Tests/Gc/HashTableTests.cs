// Why: heap hash tables back the package system and the VM's hash tables; eq tables hash
// by address and must still find their keys after collections move them, and iteration
// must follow insertion order even across removals and growth.
using LispVm.Gc;
using Xunit;

namespace LispVm.Tests.Gc
{
    public unsafe class HashTableTests
    {
        [Fact]
        public void EqTableFindsKeysAfterObjectsMove()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            t[0] = h.MakeHashTable(HashTest.Eq);
            t[1] = h.MakeVector(1000, W.Nil);
            for (int i = 0; i < 1000; i++)
            {
                ulong k = i % 2 == 0 ? h.Cons(W.Fix(i), W.Nil) : h.MakeVector(2, W.Fix(i));
                h.SetSlot(t[1], i, k);
                h.HashPut(t[0], h.Slot(t[1], i), W.Fix(i * 10));
            }
            ulong before = h.Slot(t[1], 0);
            h.Collect(false);
            Assert.NotEqual(before, h.Slot(t[1], 0));
            CheckAll(t, 1000);
            for (int i = 0; i < 10000; i++) h.Cons(W.Nil, W.Nil);
            h.Collect(true);
            CheckAll(t, 1000);
            // A fresh cons with equal contents is not an eq key.
            ulong v;
            ulong probe = h.Cons(W.Fix(0), W.Nil);
            Assert.False(h.HashGet(t[0], probe, out v));
            // Young keys added after the tables were old, then another minor GC.
            for (int i = 0; i < 100; i++) { ulong k = h.Cons(W.Fix(-i), W.Nil); h.SetSlot(t[1], i, k); h.HashPut(t[0], k, W.Fix(-i)); }
            h.Collect(false);
            for (int i = 0; i < 100; i++) { Assert.True(h.HashGet(t[0], h.Slot(t[1], i), out v)); Assert.Equal(W.Fix(-i), v); }
            Assert.Null(h.Verify());
        }

        static void CheckAll(GcTestHeap t, int n)
        {
            for (int i = 0; i < n; i++)
            {
                ulong v;
                Assert.True(t.H.HashGet(t[0], t.H.Slot(t[1], i), out v), "key " + i);
                Assert.Equal(W.Fix(i * 10), v);
            }
            Assert.Equal(n, t.H.HashCount(t[0]));
        }

        [Fact]
        public void InsertionOrderSurvivesRemovalGrowthAndGc()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            t[0] = h.MakeHashTable(HashTest.Eql, 4);
            for (int i = 0; i < 100; i++) h.HashPut(t[0], W.Fix(i * 7), W.Fix(i));
            for (int i = 0; i < 100; i += 3) Assert.True(h.HashRemove(t[0], W.Fix(i * 7)));
            Assert.False(h.HashRemove(t[0], W.Fix(0)));
            h.HashPut(t[0], W.Fix(5), W.Fix(1000));              // re-add goes last
            h.HashPut(t[0], W.Fix(7), W.Fix(-1));                // update keeps its place
            for (int i = 100; i < 200; i++) h.HashPut(t[0], W.Fix(i * 7), W.Fix(i));   // growth compacts
            h.Collect(true);
            var order = new System.Collections.Generic.List<long>();
            for (int i = 0; i < h.HashEntryLimit(t[0]); i++)
            {
                ulong k, v;
                if (h.HashEntryAt(t[0], i, out k, out v)) order.Add(W.FixVal(k));
            }
            var expect = new System.Collections.Generic.List<long>();
            for (int i = 0; i < 100; i++) if (i % 3 != 0) expect.Add(i * 7);
            expect.Add(5);
            for (int i = 100; i < 200; i++) expect.Add(i * 7);
            Assert.Equal(expect, order);
            ulong val;
            Assert.True(h.HashGet(t[0], W.Fix(7), out val));
            Assert.Equal(W.Fix(-1), val);
            Assert.Equal(expect.Count, h.HashCount(t[0]));
            h.HashClear(t[0]);
            Assert.Equal(0, h.HashCount(t[0]));
            Assert.False(h.HashGet(t[0], W.Fix(7), out val));
        }

        [Fact]
        public void EqlTableComparesNumbersByValue()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            t[0] = h.MakeHashTable(HashTest.Eql);
            ulong d = h.MakeDouble(2.5);
            h.HashPut(t[0], d, W.Fix(1));
            h.Collect(true);
            ulong v;
            Assert.True(t.Get(0, h.MakeDouble(2.5), out v));
            Assert.False(t.Get(0, h.MakeDouble(-2.5), out v));
            Assert.False(t.Get(0, h.MakeString("x"), out v));
        }

        [Fact]
        public void EqualAndEqualpTables()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            t[0] = h.MakeHashTable(HashTest.Equal);
            t[1] = h.MakeHashTable(HashTest.Equalp);
            t.Put(0, h.Cons(h.MakeString("a"), h.Cons(W.Fix(1), W.Nil)), W.Fix(1));
            t.Put(1, h.MakeString("Hello"), W.Fix(2));
            h.HashPut(t[1], W.Fix(1), W.Fix(3));
            t.Put(1, h.MakeVector(3, W.MakeChar('a')), W.Fix(4));
            h.Collect(false);
            h.Collect(true);
            ulong v;
            Assert.True(t.Get(0, h.Cons(h.MakeString("a"), h.Cons(W.Fix(1), W.Nil)), out v));
            Assert.Equal(W.Fix(1), v);
            Assert.False(t.Get(0, h.Cons(h.MakeString("A"), h.Cons(W.Fix(1), W.Nil)), out v));
            Assert.True(t.Get(1, h.MakeString("hELLO"), out v));
            Assert.Equal(W.Fix(2), v);
            Assert.True(t.Get(1, h.MakeDouble(1.0), out v));         // (equalp 1 1.0)
            Assert.Equal(W.Fix(3), v);
            Assert.True(h.HashGet(t[1], W.MakeSingle(1.0f), out v));
            Assert.True(t.Get(1, h.MakeVector(3, W.MakeChar('A')), out v));
            Assert.Equal(W.Fix(4), v);
            Assert.False(t.Get(1, h.MakeVector(2, W.MakeChar('A')), out v));
        }

        [Fact]
        public void EqualityPredicates()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            Assert.True(h.Eql(h.MakeDouble(1.5), h.MakeDouble(1.5)));
            Assert.False(h.Eql(h.MakeDouble(0.0), h.MakeDouble(-0.0)));
            Assert.False(h.Eql(h.MakeString("a"), h.MakeString("a")));
            Assert.True(h.Equal(h.MakeString("a"), h.MakeString("a")));
            Assert.True(h.Equal(h.MakeString("λ"), h.MakeString("λ")));
            Assert.False(h.Equal(h.MakeString("a"), h.MakeString("A")));
            Assert.True(h.Equalp(h.MakeString("a"), h.MakeString("A")));
            Assert.True(h.Equalp(W.MakeChar('x'), W.MakeChar('X')));
            Assert.False(h.Equal(W.Fix(1), h.MakeDouble(1.0)));
            Assert.True(h.Equalp(W.Fix(1), h.MakeDouble(1.0)));
            Assert.Equal(h.Sxhash(h.MakeString("abc")), h.Sxhash(h.MakeString("abc")));
            ulong l1 = t.Range(1000);
            t[0] = l1;
            ulong l2 = t.Range(1000);
            Assert.True(h.Equal(t[0], l2));
            Assert.Equal(h.Sxhash(t[0]), h.Sxhash(l2));
        }
    }
}
