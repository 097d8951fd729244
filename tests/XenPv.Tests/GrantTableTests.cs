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
}
