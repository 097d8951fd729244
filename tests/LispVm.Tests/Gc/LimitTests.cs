// Why: a guest whose balloon shrinks lowers the heap limit at run time, and a user can
// ask for an object bigger than the heap; both must end in the storage-exhausted path or
// the panic hook, never in a wild write. Also shows the verifier rejects interior pointers.
using LispVm.Gc;
using Xunit;

namespace LispVm.Tests.Gc
{
    public unsafe class LimitTests
    {
        [Fact]
        public void LoweringTheLimitExhaustsEarlier()
        {
            using var t = new GcTestHeap(limitMiB: 256, reserveMiB: 4);
            var h = t.H;
            h.SetLimit(16UL << 20);
            Assert.Equal(16UL << 20, h.Stats.LimitBytes);
            t[0] = W.Nil;
            int chunks = 0;
            while (!h.StorageExhausted && chunks < 4000) { t[0] = h.Cons(h.MakeVector(8000, W.Nil), t[0]); chunks++; }
            Assert.True(h.StorageExhausted);
            Assert.True(chunks < 300, "chunks " + chunks);
            Assert.True(h.Stats.OldBytesUsed <= (16UL + 4) << 20);
            Assert.Equal(0, t.Panic.Count);
        }

        [Fact]
        public void TheLimitFollowsABalloonDownAndBackUp()
        {
            // Reserved for a 256 MiB maximum, running at 24 MiB (the balloon's target).
            using var t = new GcTestHeap(limitMiB: 256, reserveMiB: 2);
            var h = t.H;
            Assert.True(h.MaxLimitBytes >= (256UL << 20));
            h.SetLimit(24UL << 20);
            t[0] = W.Nil;
            int chunks = 0;
            while (!h.StorageExhausted && chunks < 4000) { t[0] = h.Cons(h.MakeVector(8000, W.Nil), t[0]); chunks++; }
            Assert.True(h.StorageExhausted);
            // Exhausted: the reserve moved down with the limit (not the 256 MiB one).
            Assert.True(h.MaxObjectBytes <= (24UL + 2) << 20, "hard cap " + h.MaxObjectBytes);
            Assert.True(h.Stats.OldBytesUsed <= (24UL + 2) << 20, "used " + h.Stats.OldBytesUsed);
            h.AcknowledgeStorageExhausted();
            t[1] = W.Nil;
            // The target grows: 100 MiB of live vectors fit now.
            h.SetLimit(160UL << 20);
            Assert.Equal(160UL << 20, h.Stats.LimitBytes);
            for (int i = 0; i < 1600; i++) t[0] = h.Cons(h.MakeVector(8000, W.Nil), t[0]);
            Assert.False(h.StorageExhausted);
            Assert.True(h.Stats.OldBytesUsed > (100UL << 20));
            // Down again below the live data: never below what is in use.
            h.SetLimit(8UL << 20);
            Assert.True(h.Stats.LimitBytes >= h.Stats.OldBytesUsed);
            h.SetLimit(ulong.MaxValue);
            Assert.Equal(h.MaxLimitBytes, h.Stats.LimitBytes);
            Assert.Equal(0, t.Panic.Count);
            Assert.Null(h.Verify());
        }

        [Fact]
        public void ObjectLargerThanTheHeapPanicsCleanly()
        {
            using var t = new GcTestHeap(limitMiB: 16, reserveMiB: 1);
            var h = t.H;
            Assert.True(h.MaxObjectBytes < (32UL << 20));
            h.AllocRaw(ObjType.ByteVector, 64L << 20);
            Assert.True(h.IsDead);
            Assert.Equal(1, t.Panic.Count);
        }

        [Fact]
        public void VerifierRejectsInteriorPointer()
        {
            using var t = new GcTestHeap();
            var h = t.H;
            t[0] = h.MakeVector(4, W.Nil);
            t[1] = h.MakeVector(4, W.Nil);
            ((ulong*)h.RawData(t[0]))[0] = (t[1] & ~7UL) + 16 + W.TagObj;
            Assert.Contains("middle of an object", h.Verify());
            ((ulong*)h.RawData(t[0]))[0] = t[1] - W.TagObj + W.TagCons;
            Assert.Contains("cons pointer to a headed object", h.Verify());
            ((ulong*)h.RawData(t[0]))[0] = W.Nil;
            Assert.Null(h.Verify());
        }
    }
}
