// Why: a grant is what lets netback touch our frames: it must become valid only after
// frame and domid are written, refs below 8 belong to the toolstack, and access must not
// be revoked while the backend has the frame mapped (GTF_reading/GTF_writing).
using XenPv.Shim;
using Xunit;

namespace XenPv.Tests;

public unsafe class GrantTableTests
{
    [Fact]
    public void GrantWritesTheEntryAndSkipsReservedRefs()
    {
        using var page = new SharedPage();
        var gt = new GrantTable((GrantEntryV1*)page.P, 512);
        Assert.Equal(504, gt.Free);
        int r = gt.Grant(0, 0x12345, readOnly: true);
        Assert.Equal(8, r);
        var e = ((GrantEntryV1*)page.P)[r];
        Assert.Equal((ushort)(GrantEntryV1.PermitAccess | GrantEntryV1.ReadOnly), e.flags);
        Assert.Equal(0x12345u, e.frame);
        int w = gt.Grant(7, 0x999, readOnly: false);
        Assert.Equal(9, w);
        Assert.Equal((ushort)GrantEntryV1.PermitAccess, ((GrantEntryV1*)page.P)[w].flags);
        Assert.Equal((ushort)7, ((GrantEntryV1*)page.P)[w].domid);
    }

    [Fact]
    public void EndAccessWaitsForTheBackendToLetGo()
    {
        using var page = new SharedPage();
        var gt = new GrantTable((GrantEntryV1*)page.P, 512);
        int r = gt.Grant(0, 42, readOnly: false);
        var entry = (GrantEntryV1*)page.P + r;
        entry->flags |= GrantEntryV1.Writing;                  // backend has it mapped
        Assert.False(gt.EndAccess(r));
        Assert.NotEqual(0, entry->flags & GrantEntryV1.PermitAccess);
        entry->flags &= unchecked((ushort)~GrantEntryV1.Writing);
        Assert.True(gt.EndAccess(r));
        Assert.Equal(0, entry->flags);
        Assert.Equal(42u, entry->frame);                        // only the flags change
        Assert.False(gt.EndAccess(r));                          // already revoked
        Assert.False(gt.EndAccess(3));                          // reserved ref: not ours
        Assert.Equal(504, gt.Free);
    }

    [Fact]
    public void ExhaustionReturnsMinusOne()
    {
        using var page = new SharedPage();
        var gt = new GrantTable((GrantEntryV1*)page.P, 16);
        for (int i = 0; i < 8; i++) Assert.True(gt.Grant(0, (ulong)i, true) >= 8);
        Assert.Equal(-1, gt.Grant(0, 1, true));
        Assert.Equal(-1, new GrantTable((GrantEntryV1*)page.P, 512).Grant(0, 1UL << 32, true)); // frame too large for v1
    }

    [Fact]
    public void ThePoolNeverHandsOutReservedRefs()
    {
        using var page = new SharedPage();
        var gt = new GrantTable((GrantEntryV1*)page.P, 512);
        var seen = new HashSet<int>();
        for (int i = 0; i < 504; i++)
        {
            int r = gt.Grant(1, (ulong)i, i % 2 == 0);
            Assert.InRange(r, 8, 511);
            Assert.True(seen.Add(r));
        }
        Assert.Equal(-1, gt.Grant(1, 1, true));
        for (int r = 0; r < 8; r++) Assert.Equal(0, ((GrantEntryV1*)page.P)[r].flags);   // untouched
        foreach (int r in seen) Assert.True(gt.EndAccess(r));
        Assert.Equal(504, gt.Free);
    }

    [Theory]
    [InlineData(GrantEntryV1.Reading)]
    [InlineData(GrantEntryV1.Writing)]
    [InlineData(GrantEntryV1.Reading | GrantEntryV1.Writing)]
    public void BusyRefsWaitOnTheDeferredListUntilTheBackendLetsGo(ushort busy)
    {
        using var page = new SharedPage();
        var gt = new GrantTable((GrantEntryV1*)page.P, 512);
        int a = gt.Grant(0, 1, false), c = gt.Grant(0, 2, true);
        var ea = (GrantEntryV1*)page.P + a;
        ea->flags |= busy;
        Assert.False(gt.EndAccessOrDefer(a));
        Assert.False(gt.EndAccessOrDefer(a));                  // listed once
        Assert.Equal(1, gt.Deferred);
        Assert.True(gt.IsDeferred(a));
        Assert.True(gt.EndAccessOrDefer(c));                   // an idle one ends at once
        Assert.False(gt.EndAccessOrDefer(c));                  // not granted any more: not deferred
        Assert.Equal(1, gt.Deferred);
        Assert.Equal(1, gt.RetryDeferred());
        Assert.Equal(1, gt.DeferredRetries);
        Assert.NotEqual(0, ea->flags & GrantEntryV1.PermitAccess);   // never forced
        Assert.Equal(503, gt.Free);
        ea->flags &= unchecked((ushort)~busy);
        Assert.Equal(0, gt.RetryDeferred());
        Assert.Equal(0, ea->flags);
        Assert.False(gt.IsDeferred(a));
        Assert.Equal(504, gt.Free);
    }
}
