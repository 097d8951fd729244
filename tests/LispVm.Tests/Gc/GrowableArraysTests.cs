// Why: the reader's and printer's frame stacks (GrowableArrays) reserve room for their
// deepest input and commit frames only as deep as they go; when frames run out they must
// fail cleanly (nothing half-committed) so the caller reports a depth error, never a crash.
using LispVm.Gc;
using Xunit;

namespace LispVm.Tests.Gc;

public unsafe class GrowableArraysTests
{
    // Counts commits; refuses any commit past `budget` pages.
    sealed class CountingFrames : IFrameSource
    {
        readonly IFrameSource inner = new LispVm.Tests.Reader.TestFrames();
        public ulong Budget = ulong.MaxValue, Committed, Reserved;
        public ulong PageSize => 4096;
        public ulong Reserve(ulong bytes) { Reserved += bytes; return inner.Reserve(bytes); }
        public bool Commit(ulong addr, ulong bytes)
        {
            if (Committed + bytes / 4096 > Budget) return false;
            Committed += bytes / 4096;
            return inner.Commit(addr, bytes);
        }
        public bool CommitUncleared(ulong addr, ulong bytes) { return Commit(addr, bytes); }
        public bool Decommit(ulong addr, ulong bytes) { Committed -= bytes / 4096; return inner.Decommit(addr, bytes); }
        public void Release(ulong addr, ulong bytes) => inner.Release(addr, bytes);
    }

    [Fact]
    public void ReservesTheWorstCaseButCommitsOnlyWhatIsUsed()
    {
        var f = new CountingFrames();
        var a = new GrowableArrays(f, 1 << 20, 1, 8);
        Assert.Equal(1 << 20, a.MaxCount);
        Assert.True(f.Reserved >= (1UL << 20) * 9);
        Assert.Equal(1024, a.Count);
        Assert.Equal(1UL + 2, f.Committed);               // 1 KiB of bytes, 8 KiB of words
        Assert.True(a.Ensure(1000));
        Assert.Equal(3UL, f.Committed);                   // already there: nothing more
        Assert.True(a.Ensure(1025));                      // doubles
        Assert.Equal(2048, a.Count);
        Assert.Equal(1UL + 4, f.Committed);
        ulong* w = (ulong*)a.Base(1);
        byte* b = (byte*)a.Base(0);
        for (int i = 0; i < 1000000; i++) { Assert.True(a.Ensure(i + 1)); w[i] = (ulong)i; b[i] = (byte)i; }
        Assert.Equal(999999UL, w[999999]);
        Assert.Equal((byte)(999999 & 255), b[999999]);
        Assert.Equal(a.PagesCommitted, f.Committed);
        Assert.False(a.Ensure((1 << 20) + 1));             // past the reservation
    }

    [Fact]
    public void OutOfFramesFailsAndKeepsWhatItHad()
    {
        var f = new CountingFrames { Budget = 12 };
        var a = new GrowableArrays(f, 1 << 16, 1, 8);     // 3 pages at first
        Assert.True(a.Ensure(4096));                       // 1 + 8 pages
        ulong before = f.Committed;
        Assert.False(a.Ensure(8192));                      // needs 1 + 16: over the budget
        Assert.Equal(4096, a.Count);
        Assert.Equal(before, f.Committed);                 // the byte array's new page went back
        f.Budget = ulong.MaxValue;
        Assert.True(a.Ensure(8192));
    }

    [Fact]
    public void NoAddressSpaceMeansNoLevels()
    {
        var a = new GrowableArrays(new NoReserve(), 4096, 8);
        Assert.Equal(0, a.MaxCount);
        Assert.False(a.Ensure(1));
    }

    sealed class NoReserve : IFrameSource
    {
        public ulong PageSize => 4096;
        public ulong Reserve(ulong bytes) => 0;
        public bool Commit(ulong addr, ulong bytes) => false;
        public bool CommitUncleared(ulong addr, ulong bytes) => false;
        public bool Decommit(ulong addr, ulong bytes) { return true; }
        public void Release(ulong addr, ulong bytes) { }
    }
}
