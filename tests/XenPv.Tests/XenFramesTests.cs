// Why: XenFrames against a fake Xen (SparseXen) that checks Xen's page-table rules and
// counts instead of backing memory: boot (maximum from the memory map, P2M taken over,
// boot slack unmapped), commit/decommit, tables from the pool through the window, the
// balloon's release/populate with partial success, and a 64 GiB guest with 8 GiB committed
// in a bounded number of hypercalls.
using XenPv.Shim;
using Xunit;

namespace XenPv.Tests;

public unsafe class XenFramesTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper output;
    public XenFramesTests(Xunit.Abstractions.ITestOutputHelper output) { this.output = output; }

    static (SparseXen, XenFrames) Boot(ulong nrPages, ulong maxFrames = 0)
    {
        var xen = new SparseXen(nrPages, maxFrames);
        var f = new XenFrames(xen.Si, SparseXen.VirtBase, xen, xen);
        Assert.True(f.Start(), $"start failed: {f.FailReason} {f.LastError}");
        return (xen, f);
    }

    [Fact]
    public void BootMappingFollowsXensRule()
    {
        var si = new StartInfo { pt_base = 0x5A3000, nr_pt_frames = 6 };
        XenFrames.BootMapping(&si, out ulong bootEnd, out ulong mapEnd);
        Assert.Equal(0x5A3000ul + 6 * 4096 + 4096, bootEnd);   // page tables, then one stack page
        Assert.Equal(0x800000ul, mapEnd);                       // + 512 KiB, rounded up to 4 MiB
    }

    [Fact]
    public void LayoutIsSizedForTheMaximum()
    {
        Assert.True(FrameLayout.Compute(0x800000, 4096, out var small));
        Assert.Equal(1ul << 30, small.HeapBase);
        Assert.Equal(3ul << 30, small.HeapTop);                          // 16 MiB * 1.5 + 1 GiB, rounded up
        Assert.Equal(small.HeapTop, small.P2mBase);
        Assert.Equal(2ul << 20, small.P2mBytes);
        Assert.Equal(4ul << 30, small.SpanEnd);
        Assert.Equal(5ul, small.WindowL1Count);                          // 1536+3+1 slots, then 512 scratch
        Assert.Equal(small.SpanEnd, small.WindowBase);

        Assert.True(FrameLayout.Compute(0x800000, 1ul << 24, out var big));  // 64 GiB maximum
        Assert.Equal(128ul << 20, big.P2mBytes);
        Assert.Equal(64ul << 20, big.StackBytes);
        Assert.True(big.WindowL1Count < 110, $"{big.WindowL1Count} window L1 tables reserved");
        // The boot mapping of a huge guest pushes the heap up to the next GiB.
        Assert.True(FrameLayout.Compute(0x50000000, 1ul << 24, out var past));
        Assert.Equal(2ul << 30, past.HeapBase);
        Assert.False(FrameLayout.Compute(0x800000, FrameLayout.MaxSupportedFrames + 1, out _));
        Assert.Equal(0ul, small.Slot(1, small.HeapBase));
        Assert.Equal(small.L1Slots, small.Slot(2, small.HeapBase));
        Assert.Equal(small.L1Slots + small.L2Slots, small.Slot(3, small.HeapBase));
    }

    [Fact]
    public void StartTakesTheMaximumFromTheMemoryMapAndOwnsTheP2m()
    {
        var (xen, f) = Boot(4096, 65536);                                 // 16 MiB guest, maxmem 256 MiB
        Assert.Equal(65536ul, f.MaxFrames);
        Assert.Equal("memory_map", f.MaxSource);
        Assert.Equal(4096ul, f.OwnedFrames);
        Assert.True(f.AgreesWithStaticMax(256 * 1024));
        Assert.False(f.AgreesWithStaticMax(512 * 1024));
        for (ulong pfn = 0; pfn < 4096; pfn += 97) Assert.Equal(xen.BootMfn(pfn), f.P2m(pfn));
        Assert.Equal(XenFrames.InvalidMfn, f.P2m(4096));
        Assert.Equal(XenFrames.InvalidMfn, f.P2m(60000));
        // The builder's P2M frames are our P2M's first page: mapped, not copied.
        Assert.Equal(xen.BootMfn(xen.P2mPfn), xen.Translate(f.Layout.P2mBase));
        // The slack of the boot mapping is unmapped: free frames are mapped nowhere.
        for (ulong pfn = xen.BootEndPfn; pfn < xen.MapEndPfn; pfn++) Assert.Null(xen.Translate(xen.Va(pfn)));
        Assert.NotNull(xen.Translate(xen.Va(0)));
        Assert.True(f.Layout.HeapBase >= xen.Va(xen.MapEndPfn));
        // Boot used few frames: window, P2M and stack tables, and nothing sized by the maximum.
        Assert.True(f.MetaFrames < 16, $"{f.MetaFrames} frames of metadata");
        Assert.Equal(4096 - xen.BootEndPfn - f.MetaFrames, f.FreeFrames);
        Assert.Equal(f.FreeFrames, f.CleanFreeFrames);
        Assert.True(xen.Hypercalls < 40, $"{xen.Hypercalls} hypercalls at boot");
    }

    [Fact]
    public void WithoutAMemoryMapTheMaximumIsTheBootSize()
    {
        var xen = new SparseXen(4096, 65536) { MemoryMapFrames = 0 };
        var f = new XenFrames(xen.Si, SparseXen.VirtBase, xen, xen);
        Assert.True(f.Start(), f.FailReason);
        Assert.Equal(4096ul, f.MaxFrames);
        Assert.Equal("nr_pages", f.MaxSource);
    }

    [Fact]
    public void StartRefusesBootTablesInTheHeapsAddressSpace()
    {
        var xen = new SparseXen(4096);
        xen.PlantBootL2(1ul << 30);                               // where the heap would start
        var f = new XenFrames(xen.Si, SparseXen.VirtBase, xen, xen);
        Assert.False(f.Start());
        Assert.Equal("frames: boot page tables reach the heap's address space", f.FailReason);
        Assert.True(f.Reserve(4096) == null);
        Assert.Equal(0ul, f.PopulateFrames(1));
    }

    [Fact]
    public void CommitMapsHeapPagesToOwnedFramesAndZeroesThem()
    {
        var (xen, f) = Boot(3000);
        byte* heap = f.Reserve(4 * 1024 * 1024);
        Assert.Equal(f.Layout.HeapBase, (ulong)heap);
        ulong free0 = f.FreeFrames;
        int calls0 = xen.Hypercalls;
        long zero0 = xen.ZeroedPages;
        Assert.True(f.Commit(heap, 3 * 1024 * 1024), $"commit failed: {f.LastError}");
        Assert.Equal(768ul, f.FramesMapped);
        Assert.Equal(768, xen.ZeroedPages - zero0 - 3);                    // + one L2 and two L1 tables
        Assert.Equal(free0 - 768 - 3, f.FreeFrames);
        var seen = new HashSet<ulong>();
        for (ulong i = 0; i < 768; i++)
        {
            ulong? mfn = xen.Translate((ulong)heap + i * 4096);
            Assert.True(mfn.HasValue, $"heap page {i} not mapped");
            Assert.True(xen.Owned(mfn!.Value, out ulong pfn));
            Assert.True(pfn >= xen.BootEndPfn && pfn < 3000, $"heap page {i} got PFN {pfn}, not a free frame");
            Assert.True(seen.Add(pfn), $"PFN {pfn} mapped twice");
        }
        Assert.Null(xen.Translate((ulong)heap + 768 * 4096));              // past the commit
        Assert.True(xen.Hypercalls - calls0 <= 2 + 6, $"mmu updates not batched: {xen.Hypercalls - calls0} hypercalls");
        xen.Write((ulong)heap + 8, 42);
        Assert.Equal(42ul, xen.Read((ulong)heap + 8));
    }

    [Fact]
    public void UnclearedCommitMapsTheSameWayWithoutZeroing()
    {
        // Issue 20: the Lisp heap's nursery and old space skip the zeroing; tables still get it.
        var (xen, f) = Boot(3000);
        byte* heap = f.Reserve(4 * 1024 * 1024);
        long zero0 = xen.ZeroedPages;
        Assert.True(f.Commit(heap, 3 * 1024 * 1024, false), $"commit failed: {f.LastError}");
        Assert.Equal(768ul, f.FramesMapped);
        Assert.Equal(3, xen.ZeroedPages - zero0);                          // one L2 and two L1 tables only
        for (ulong i = 0; i < 768; i++) Assert.True(xen.Translate((ulong)heap + i * 4096).HasValue, $"heap page {i} not mapped");
        xen.Write((ulong)heap + 8, 42);
        Assert.Equal(42ul, xen.Read((ulong)heap + 8));
    }

    [Fact]
    public void DecommitUnmapsFlushesAndKeepsTheFramesDirty()
    {
        var (xen, f) = Boot(2000);
        byte* heap = f.Reserve(2 * 1024 * 1024);
        Assert.True(f.Commit(heap, 2 * 1024 * 1024));
        ulong freeAfterCommit = f.FreeFrames;
        xen.Write((ulong)heap, 0x1234);
        int flushes = xen.TlbFlushes;
        Assert.True(f.Decommit(heap, 1024 * 1024));
        Assert.Equal(flushes + 1, xen.TlbFlushes);
        Assert.Null(xen.Translate((ulong)heap));
        Assert.NotNull(xen.Translate((ulong)heap + 1024 * 1024));         // second half untouched
        Assert.Equal(freeAfterCommit + 256 - 1, f.FreeFrames);             // one became the stack's first page
        Assert.Equal(255ul, f.DirtyFreeFrames);
        Assert.True(f.Commit(heap, 4096));
        Assert.Equal(0ul, xen.Read((ulong)heap));                          // reused frame zeroed
        Assert.Equal(254ul, f.DirtyFreeFrames);                            // a decommitted frame was reused
        Assert.Equal(0ul, f.LostFrames);
    }

    [Fact]
    public void CommitOutsideAReservationOrPastTheFramesFails()
    {
        var (xen, f) = Boot(1200);
        byte* heap = f.Reserve(8 * 1024 * 1024);
        ulong free = f.FreeFrames;
        Assert.True(free < 2048);
        Assert.False(f.Commit(heap + 8 * 1024 * 1024, 4096));            // not reserved
        Assert.False(f.Commit((byte*)SparseXen.VirtBase, 4096));          // not heap VA
        Assert.False(f.Commit(heap + 1, 4096));                           // not page aligned
        Assert.False(f.Commit(heap, 8 * 1024 * 1024));                    // 2048 pages > free frames
        Assert.Equal(XenError.ENOMEM, f.LastError);
        Assert.Equal(0ul, f.FreeFrames);
        Assert.Equal(0ul, f.PopulateFrames(10));                          // no room above the boot size
    }

    [Fact]
    public void HypercallFailureIsReported()
    {
        var (xen, f) = Boot(2000);
        xen.FailWith = XenError.EINVAL;
        byte* heap = f.Reserve(4096);
        Assert.False(f.Commit(heap, 4096));
        Assert.Equal(XenError.EINVAL, f.LastError);
    }

    [Fact]
    public void MachineFramesMapAtAReservedVa()
    {
        var (xen, f) = Boot(2000);
        ulong[] grantMfns = { 0xA0000001, 0xA0000002, 0xA0000003, 0xA0000004 };
        foreach (var m in grantMfns) xen.SharedFrames.Add(m);
        byte* va = f.Reserve(4 * 4096);
        fixed (ulong* m = grantMfns) Assert.True(f.MapMachineFrames(va, m, 4, writable: true));
        for (int i = 0; i < 4; i++) Assert.Equal(grantMfns[i], xen.Translate((ulong)va + (ulong)i * 4096));
        fixed (ulong* m = grantMfns) Assert.False(f.MapMachineFrames(va, m, 1, true));   // already mapped
        Assert.Equal(XenError.EEXIST, f.LastError);
        fixed (ulong* m = grantMfns) Assert.False(f.MapMachineFrames(va + 4 * 4096 + 2 * 1024 * 1024, m, 1, true)); // not reserved
    }

    // OpenNetDevice's layout on a 16 MiB guest: the grant table frame, then netfront's 98 pages
    // committed for good. Their MFNs are what gets granted; the balloon never takes them.
    [Fact]
    public void DriverPagesAreMappedForGoodAndNeverCountedFree()
    {
        var (xen, f) = Boot(4096);
        const int pages = 98;
        xen.SharedFrames.Add(0xB0000001);
        byte* va = f.Reserve((1 + pages) * 4096);
        ulong grantMfn = 0xB0000001;
        Assert.True(f.MapMachineFrames(va, &grantMfn, 1, writable: true));
        ulong free0 = f.FreeFrames;
        Assert.True(f.Commit(va + 4096, pages * 4096));
        Assert.True(free0 - f.FreeFrames >= pages);
        var mfns = new ulong[pages];
        for (int i = 0; i < pages; i++)
        {
            mfns[i] = f.MachineFrameOf(va + (i + 1) * 4096);
            Assert.Equal(xen.Translate((ulong)va + (ulong)(i + 1) * 4096), mfns[i]);
        }
        Assert.Equal(pages, mfns.Distinct().Count());
        Assert.Equal(0xB0000001ul, f.MachineFrameOf(va));
        Assert.Equal(XenFrames.InvalidMfn, f.MachineFrameOf(va + (1 + pages) * 4096));   // not committed
        Assert.Equal(XenFrames.InvalidMfn, f.MachineFrameOf(va + 4096 + 8));              // not a page start
        Assert.Equal(XenFrames.InvalidMfn, f.MachineFrameOf((byte*)SparseXen.VirtBase)); // not reserved
        // The balloon gives back every free frame it can: the driver's pages stay ours, mapped.
        f.ReleaseFreeFrames(f.FreeFrames);
        for (int i = 0; i < pages; i++) Assert.Equal(mfns[i], f.MachineFrameOf(va + (i + 1) * 4096));
    }

    [Fact]
    public void ReleaseZeroesDirtyFramesAndFlushesBeforeDecrease()
    {
        var (xen, f) = Boot(4096);
        byte* heap = f.Reserve(1024 * 1024);
        Assert.True(f.Commit(heap, 1024 * 1024));
        for (ulong i = 0; i < 256; i++) xen.Write((ulong)heap + i * 4096 + 16, 0xDEAD0000 + i);   // secrets
        var pfns = Enumerable.Range(0, 256).Select(i => { xen.Owned(xen.Translate((ulong)heap + (ulong)i * 4096)!.Value, out ulong p); return p; }).ToList();
        Assert.True(f.Decommit(heap, 1024 * 1024));
        ulong dirty = f.DirtyFreeFrames, owned = f.OwnedFrames;
        Assert.True(dirty >= 250);
        long pages = xen.DomainPages, zeroed = xen.ZeroedPages;
        xen.LogEvents = true;
        ulong want = f.FreeFrames, meta = f.MetaFrames;
        ulong got = f.ReleaseFreeFrames(want);                   // SparseXen asserts: unmapped, not in TLB, zero
        Assert.Equal(want, got + f.MetaFrames - meta);                     // the returned stack's pages took the rest
        Assert.Equal(0ul, f.FreeFrames);
        Assert.Equal(pages - (long)got, xen.DomainPages);
        Assert.Equal(owned - got, f.OwnedFrames);
        Assert.Equal(got, f.FramesReturnedTotal);
        // Every dirty frame released was zeroed once (the stack's pages took dirty frames).
        Assert.Equal((long)(dirty - (f.MetaFrames - meta)), xen.ZeroedPages - zeroed);
        Assert.Equal(0ul, f.DirtyFreeFrames);
        // SparseXen refuses a frame still mapped or in the TLB; the batches of dirty frames
        // (the last ones: clean frames go first) came right after the scratch flush.
        Assert.Equal("flush", xen.Events[xen.Events.Count - 2]);
        Assert.StartsWith("decrease", xen.Events[xen.Events.Count - 1]);
        int released = pfns.Count(p => f.P2m(p) == XenFrames.InvalidMfn);
        Assert.True(released >= 250, $"{released} of the heap's PFNs are holes now");
        Assert.Equal((long)f.OwnedFrames, f.CurrentReservation());
    }

    [Fact]
    public void ReleaseAndPopulateRoundTripsKeepTheSameCount()
    {
        var (xen, f) = Boot(8192);
        byte* heap = f.Reserve(8 * 1024 * 1024);
        Assert.True(f.Commit(heap, 8 * 1024 * 1024));
        for (ulong i = 0; i < 2048; i++) xen.Write((ulong)heap + i * 4096, i + 1);   // data to leak
        Assert.True(f.Decommit(heap, 8 * 1024 * 1024));
        ulong owned0 = f.OwnedFrames;
        long pages0 = xen.DomainPages;
        ulong accounted = f.FreeFrames + f.MetaFrames + f.FramesMapped;
        long zeroed0 = xen.ZeroedPages;
        for (int cycle = 0; cycle < 4; cycle++)
        {
            ulong r = f.ReleaseFreeFrames(3000);
            Assert.Equal(3000ul, r);
            Assert.Equal(pages0 - 3000, xen.DomainPages);
            ulong p = f.PopulateFrames(3000);
            Assert.Equal(3000ul, p);
            Assert.Equal(owned0, f.OwnedFrames);
            Assert.Equal(pages0, xen.DomainPages);
            Assert.Equal(0ul, f.ReturnedPfns);
            // No leak: every frame is free, mapped or metadata (stack pages remember frames
            // that were implicit in the clean range before).
            Assert.Equal(accounted, f.FreeFrames + f.MetaFrames + f.FramesMapped);
            Assert.True(f.Commit(heap, 8 * 1024 * 1024), $"cycle {cycle}: {f.LastError}");
            for (ulong i = 0; i < 2048; i++) xen.Write((ulong)heap + i * 4096, i + 1);
            Assert.True(f.Decommit(heap, 8 * 1024 * 1024));
            Assert.True(f.DirtyFreeFrames >= 2000);
        }
        Assert.True(xen.ZeroedPages > zeroed0 + 4 * 2048 + 2048, "later cycles returned dirty frames, zeroed first");
        Assert.Equal(12000ul, f.FramesReturnedTotal);
        Assert.Equal(12000ul, f.FramesPopulatedTotal);
        Assert.Equal(0ul, f.LostFrames);
    }

    [Fact]
    public void PopulateKeepsPartialSuccessAndNeverTakesMoreThanAsked()
    {
        var (xen, f) = Boot(4096, 16384);
        ulong free0 = f.FreeFrames;
        xen.MaxPages = xen.DomainPages + 10;                      // the toolstack allows 10 more
        Assert.Equal(10ul, f.PopulateFrames(100));
        Assert.Equal(XenError.ENOMEM, f.LastError);
        Assert.Equal(4106ul, f.OwnedFrames);
        for (ulong pfn = 4096; pfn < 4106; pfn++)
        {
            Assert.NotEqual(XenFrames.InvalidMfn, f.P2m(pfn));
            Assert.True(xen.Owned(f.P2m(pfn), out ulong back) && back == pfn);
        }
        Assert.Equal(XenFrames.InvalidMfn, f.P2m(4106));
        Assert.Equal(free0 + 10 - 2, f.FreeFrames);                        // one holds the new P2M page, one the free stack
        xen.MaxPages = long.MaxValue;
        Assert.Equal(5ul, f.PopulateFrames(5));
        Assert.Equal(16384ul - 4111, f.PopulateFrames(1ul << 40));         // up to the maximum, no further
        Assert.Equal(16384ul, f.OwnedFrames);
        Assert.Equal(0ul, f.PopulateFrames(1));
        Assert.Equal((long)f.OwnedFrames, xen.DomainPages);
    }

    [Fact]
    public void FramesXenDoesNotTakeStayFree()
    {
        var (xen, f) = Boot(4096);
        ulong free0 = f.FreeFrames;
        xen.DecreaseTakesAtMost = 7;
        Assert.Equal(7ul, f.ReleaseFreeFrames(100));
        Assert.Equal(XenError.EBUSY, f.LastError);
        Assert.Equal(4089ul, f.OwnedFrames);
        Assert.Equal(free0 - 7 - 2, f.FreeFrames);                         // - the returned and free stacks' pages
        Assert.Equal(xen.DomainPages, (long)f.OwnedFrames);
        Assert.Equal(7ul, f.ReturnedPfns);
    }

    [Fact]
    public void SparseXenRefusesWhatXenWouldRefuse()
    {
        var (xen, f) = Boot(4096);
        Assert.ThrowsAny<Exception>(() => Decrease(xen, xen.BootMfn(0)));   // the image: still mapped
        byte* heap = f.Reserve(4096);
        Assert.True(f.Commit(heap, 4096));
        xen.Write((ulong)heap, 7);
        ulong mfn = xen.Translate((ulong)heap)!.Value;
        Assert.ThrowsAny<Exception>(() => Decrease(xen, mfn));              // mapped, and data in it
        Assert.ThrowsAny<Exception>(() => xen.UpdateVaMapping((ulong)heap, (xen.L4Mfn << 12) | 0x67, 0)); // writable table
    }

    static long Decrease(SparseXen xen, ulong mfn)
    {
        ulong* list = stackalloc ulong[1];
        list[0] = mfn;
        var r = new XenMemoryReservation { extent_start = (ulong)list, nr_extents = 1, domid = Hypercalls.DomidSelf };
        return xen.MemoryOp(XenMem.DecreaseReservation, &r);
    }

    [Fact]
    public void SixtyFourGiBGuestCommitsEightGiBInBoundedHypercalls()
    {
        const ulong nr = 1ul << 24;                               // 64 GiB
        var (xen, f) = Boot(nr);
        int bootCalls = xen.Hypercalls;
        Assert.True(bootCalls < 600, $"{bootCalls} hypercalls at boot");
        Assert.True(f.MetaFrames < 250, $"{f.MetaFrames} metadata frames at boot");
        const ulong bytes = 8ul << 30;
        byte* heap = f.Reserve(bytes);
        Assert.True(heap != null);
        for (ulong off = 0; off < bytes; off += 1ul << 30)
            Assert.True(f.Commit(heap + off, 1ul << 30), $"commit at {off >> 30} GiB: {f.LastError}");
        ulong pages = bytes / 4096;
        Assert.Equal(pages, f.FramesMapped);
        Assert.True(xen.ZeroedPages >= (long)pages);
        int commitCalls = xen.Hypercalls - bootCalls;
        // 512 PTEs per mmu_update, 2 hypercalls per new table (4096 L1 + 8 L2).
        Assert.True(commitCalls <= (int)(pages / 512) + 2 * 4104 + 16, $"{commitCalls} hypercalls for 8 GiB");
        Assert.True(xen.MaterializedFrames < 8000, $"{xen.MaterializedFrames} host pages");
        Assert.NotNull(xen.Translate((ulong)heap + bytes - 4096));
        // Give 1 GiB back (dirty: zeroed through the scratch slots) and take it again.
        Assert.True(f.Decommit(heap, 1ul << 30));
        int before = xen.Hypercalls;
        Assert.Equal(262144ul, f.ReleaseFreeFrames(262144));
        Assert.Equal(262144ul, f.PopulateFrames(262144));
        Assert.True(xen.Hypercalls - before < 6 * 512 + 50, $"{xen.Hypercalls - before} hypercalls to move 1 GiB each way");
        output.WriteLine($"64 GiB guest: boot {bootCalls} hypercalls, {f.MetaFrames} metadata frames after; 8 GiB commit {commitCalls} hypercalls; " +
            $"1 GiB release+populate {xen.Hypercalls - before}; {xen.ZeroedPages} pages zeroed; {xen.MaterializedFrames} frames backed by host memory");
        Assert.Equal(nr, f.OwnedFrames);
        Assert.Equal((long)nr, xen.DomainPages);
    }
}
