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
