// Why: XenFrames builds page tables the way Xen demands (frame zeroed, remapped read-only,
// then linked with mmu_update), maps heap VAs to frames the guest owns and unmaps them
// again with a TLB flush. A fake MMU plays Xen over host memory standing in for the guest's
// VA space (boot mapping and heap), enforcing Xen's rules, with a shuffled P2M.
using System.Runtime.InteropServices;
using XenPv.Shim;
using Xunit;

namespace XenPv.Tests;

public sealed unsafe class FakeXenMmu : IMmuOps, IDisposable
{
    public readonly ulong NrPages;
    public readonly byte* Va;                 // VA of PFN 0
    public readonly ulong* P2m;
    public readonly StartInfo* Si;
    public readonly Dictionary<ulong, ulong> M2p = new();
    public readonly HashSet<ulong> ReadOnly = new();     // PFNs mapped read-only
    public readonly Dictionary<ulong, int> Tables = new(); // PFNs Xen knows as page tables -> level
    public int Hypercalls, TlbFlushes;
    public readonly HashSet<ulong> SharedFrames = new();   // Xen frames the guest may map (grant table)
    public XenError FailWith = XenError.Ok;
    public const ulong PtFirst = 20, PtFrames = 4;       // boot L4, L3, L2, L1

    public FakeXenMmu(ulong nrPages, ulong bootMapped)
    {
        NrPages = nrPages;
        Va = (byte*)NativeMemory.AlignedAlloc((nuint)(nrPages * 4096), 2 * 1024 * 1024);
        NativeMemory.Clear(Va, (nuint)(nrPages * 4096));
        P2m = (ulong*)NativeMemory.AllocZeroed((nuint)(nrPages * 8));
        for (ulong pfn = 0; pfn < nrPages; pfn++)
        {
            ulong mfn = 0x40000 + (pfn * 7919) % nrPages;   // a permutation (7919 prime, nrPages not a multiple)
            P2m[pfn] = mfn;
            M2p[mfn] = pfn;
        }
        Assert.Equal((int)nrPages, M2p.Count);
        Si = (StartInfo*)NativeMemory.AllocZeroed(1168);
        Si->nr_pages = nrPages;
        Si->mfn_list = (ulong)P2m;
        Si->pt_base = (ulong)(Va + PtFirst * 4096);
        Si->nr_pt_frames = PtFrames;
        // Boot tables: L4 -> L3 -> L2 -> L1 mapping PFNs [0, bootMapped).
        ulong va0 = (ulong)Va;
        ulong* t4 = Table(PtFirst), t3 = Table(PtFirst + 1), t2 = Table(PtFirst + 2), t1 = Table(PtFirst + 3);
        t4[Idx(va0, 4)] = P2m[PtFirst + 1] << 12 | 0x67;
        t3[Idx(va0, 3)] = P2m[PtFirst + 2] << 12 | 0x67;
        t2[Idx(va0, 2)] = P2m[PtFirst + 3] << 12 | 0x67;
        for (ulong pfn = 0; pfn < bootMapped; pfn++) t1[Idx(va0 + pfn * 4096, 1)] = P2m[pfn] << 12 | 0x27;
        for (ulong i = 0; i < PtFrames; i++) { Tables[PtFirst + i] = 4 - (int)i; ReadOnly.Add(PtFirst + i); }
    }

    public static int Idx(ulong va, int level) => (int)((va >> (12 + 9 * (level - 1))) & 511);
    public ulong* Table(ulong pfn) => (ulong*)(Va + pfn * 4096);

    public XenError UpdateVaMapping(ulong va, ulong pte, ulong flags)
    {
        Hypercalls++;
        ulong pfn = (va - (ulong)Va) / 4096;
        Assert.True(va >= (ulong)Va && pfn < NrPages, "update_va_mapping outside the boot mapping");
        Assert.Equal(P2m[pfn], (pte & XenFrames.MfnMask) >> 12);
        if ((pte & 2) == 0) ReadOnly.Add(pfn); else ReadOnly.Remove(pfn);
        return XenError.Ok;
    }

    public XenError MmuUpdates(MmuUpdate* reqs, uint count, uint* done)
    {
        Hypercalls++;
        if (FailWith != XenError.Ok) return FailWith;
        for (uint i = 0; i < count; i++)
        {
            ulong ptr = reqs[i].ptr, val = reqs[i].val;
            Assert.Equal(0ul, ptr & 3);                                   // MMU_NORMAL_PT_UPDATE
            Assert.True(M2p.TryGetValue(ptr >> 12, out ulong tablePfn), "mmu_update on an unknown machine frame");
            Assert.True(Tables.TryGetValue(tablePfn, out int level), $"mmu_update into PFN {tablePfn}, which is not a page table");
            if ((val & 1) != 0)
            {
                ulong targetMfn = (val & XenFrames.MfnMask) >> 12;
                if (SharedFrames.Contains(targetMfn)) { Table(tablePfn)[(ptr & 0xFFF) / 8] = val; continue; }
                Assert.True(M2p.TryGetValue(targetMfn, out ulong targetPfn), "PTE points at a frame the guest does not own");
                if (level > 1 && !Tables.ContainsKey(targetPfn))
                {
                    // Linking a new table: Xen requires it not to be writable anywhere; we also want it zeroed.
                    Assert.True(ReadOnly.Contains(targetPfn), $"new page table PFN {targetPfn} is still mapped writable");
                    for (int k = 0; k < 512; k++) Assert.Equal(0ul, Table(targetPfn)[k]);
                    Tables[targetPfn] = level - 1;
                }
                if (level == 1 && (val & 2) != 0)
                    Assert.False(Tables.ContainsKey(targetPfn), $"writable mapping of page-table PFN {targetPfn}");
            }
            Table(tablePfn)[(ptr & 0xFFF) / 8] = val;
        }
        *done = count;
        return XenError.Ok;
    }

    public XenError FlushTlbLocal() { Hypercalls++; TlbFlushes++; return XenError.Ok; }

    public ulong MachineToPhys(ulong mfn) => M2p.TryGetValue(mfn, out ulong pfn) ? pfn : 0xDEADBEEF;

    // Ballooning: the domain may hold at most MaxPages frames (libxl: memory + 1 MiB).
    public long MaxPages = long.MaxValue;
    public long DomainPages => M2p.Count;
    private ulong nextNewMfn = 0x900000;

    public long MemoryOp(int cmd, XenMemoryReservation* r)
    {
        Hypercalls++;
        Assert.Equal(0u, r->extent_order);
        Assert.Equal((ushort)0x7FF0, r->domid);
        ulong* list = (ulong*)r->extent_start;
        long done = 0;
        for (ulong i = 0; i < r->nr_extents; i++)
        {
            if (cmd == XenMemoryReservation.DecreaseReservation)
            {
                ulong mfn = list[i];
                Assert.True(M2p.ContainsKey(mfn), $"decrease_reservation of MFN {mfn:x} the guest does not own");
                Assert.False(IsMappedAnywhere(mfn), $"MFN {mfn:x} released while still mapped");
                Assert.True(TlbFlushes > 0, "frames released before any TLB flush");
                M2p.Remove(mfn);
                done++;
            }
            else if (cmd == XenMemoryReservation.PopulatePhysmap)
            {
                if (DomainPages >= MaxPages) break;
                ulong mfn = nextNewMfn++;
                M2p[mfn] = list[i];
                list[i] = mfn;
                done++;
            }
            else return -38;
        }
        return done;
    }

    private bool IsMappedAnywhere(ulong mfn)
    {
        foreach (var (pfn, level) in Tables)
            if (level == 1)
                for (int k = 0; k < 512; k++)
                    if ((Table(pfn)[k] & 1) != 0 && ((Table(pfn)[k] & XenFrames.MfnMask) >> 12) == mfn) return true;
        return false;
    }

    // Walks the fake page tables: MFN mapped at va, or null.
    public ulong? Translate(ulong va)
    {
        ulong* t = Table(PtFirst);
        for (int level = 4; level >= 1; level--)
        {
            ulong e = t[Idx(va, level)];
            if ((e & 1) == 0) return null;
            ulong mfn = (e & XenFrames.MfnMask) >> 12;
            if (level == 1) return mfn;
            t = Table(M2p[mfn]);
        }
        return null;
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(Va);
        NativeMemory.Free(P2m);
        NativeMemory.Free(Si);
    }
}

public unsafe class XenFramesTests
{
    // Guest of nrPages with the first mappedPages mapped at boot; a host block stands in for heap VA.
    private sealed class Rig : IDisposable
    {
        public readonly FakeXenMmu Xen;
        public readonly byte* Heap;
        public readonly XenFrames Frames;
        public const ulong HeapBytes = 8 * 1024 * 1024;
        public readonly ulong MapEndPfn;

        public Rig(ulong nrPages, ulong mappedPages)
        {
            Xen = new FakeXenMmu(nrPages, mappedPages);
            MapEndPfn = mappedPages;
            Heap = (byte*)NativeMemory.AlignedAlloc((nuint)HeapBytes, 2 * 1024 * 1024);
            ulong bootEnd = (ulong)Xen.Va + (FakeXenMmu.PtFirst + FakeXenMmu.PtFrames + 1) * 4096;
            Frames = new XenFrames(Xen.Si, (ulong)Xen.Va, bootEnd, (ulong)Xen.Va + mappedPages * 4096, Xen,
                (ulong)Heap, (ulong)Heap + HeapBytes);
        }

        public void Dispose() { NativeMemory.AlignedFree(Heap); Xen.Dispose(); }
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
    public void CommitMapsHeapPagesToOwnedFramesAndZeroesThem()
    {
        using var rig = new Rig(3000, 1024);
        byte* heap = rig.Frames.Reserve(4 * 1024 * 1024);
        Assert.Equal((ulong)rig.Heap, (ulong)heap);
        ulong free0 = rig.Frames.FreeFrames;
        Assert.Equal(3000ul - 1024, free0);
        heap[5] = 99;
        Assert.True(rig.Frames.Commit(heap, 3 * 1024 * 1024), $"commit failed: {rig.Frames.LastError}");
        Assert.Equal(0, heap[5]);
        Assert.Equal(768ul, rig.Frames.FramesMapped);
        Assert.Equal(free0 - 768, rig.Frames.FreeFrames);
        var seen = new HashSet<ulong>();
        for (ulong i = 0; i < 768; i++)
        {
            ulong? mfn = rig.Xen.Translate((ulong)heap + i * 4096);
            Assert.True(mfn.HasValue, $"heap page {i} not mapped");
            ulong pfn = rig.Xen.M2p[mfn!.Value];
            Assert.True(pfn >= rig.MapEndPfn && pfn < 3000, $"heap page {i} got PFN {pfn}, not a free frame");
            Assert.True(seen.Add(pfn), $"PFN {pfn} mapped twice");
        }
        Assert.Null(rig.Xen.Translate((ulong)heap + 768 * 4096));   // past the commit
        Assert.True(rig.Xen.Hypercalls < 60, $"mmu updates not batched: {rig.Xen.Hypercalls} hypercalls");
    }

    [Fact]
    public void DecommitUnmapsFlushesAndFramesAreReused()
    {
        using var rig = new Rig(2000, 512);
        byte* heap = rig.Frames.Reserve(2 * 1024 * 1024);
        Assert.True(rig.Frames.Commit(heap, 2 * 1024 * 1024));
        ulong freeAfterCommit = rig.Frames.FreeFrames;
        ulong? mfn0 = rig.Xen.Translate((ulong)heap);
        Assert.True(rig.Frames.Decommit(heap, 1024 * 1024));
        Assert.Equal(1, rig.Xen.TlbFlushes);
        Assert.Null(rig.Xen.Translate((ulong)heap));
        Assert.NotNull(rig.Xen.Translate((ulong)heap + 1024 * 1024));   // second half untouched
        Assert.Equal(freeAfterCommit + 256, rig.Frames.FreeFrames);
        Assert.True(rig.Frames.Commit(heap, 4096));
        ulong? again = rig.Xen.Translate((ulong)heap);
        Assert.NotNull(again);
        Assert.Contains(rig.Xen.M2p[again!.Value], Enumerable.Range(0, 2000).Select(i => (ulong)i));
        Assert.Equal(freeAfterCommit + 255, rig.Frames.FreeFrames);     // a decommitted frame was reused
        Assert.NotNull(mfn0);
    }

    [Fact]
    public void CommitOutsideAReservationOrPastTheFramesFails()
    {
        using var rig = new Rig(1100, 1024);                             // 76 free frames
        byte* heap = rig.Frames.Reserve(1024 * 1024);
        Assert.False(rig.Frames.Commit(heap + 2 * 1024 * 1024, 4096));    // not reserved
        Assert.False(rig.Frames.Commit((byte*)rig.Xen.Va, 4096));         // not heap VA
        Assert.False(rig.Frames.Commit(heap + 1, 4096));                  // not page aligned
        Assert.False(rig.Frames.Commit(heap, 1024 * 1024));               // 256 pages > 76 frames
        Assert.Equal(XenError.ENOMEM, rig.Frames.LastError);
        Assert.Equal(0ul, rig.Frames.FreeFrames);
    }

    [Fact]
    public void HypercallFailureIsReported()
    {
        using var rig = new Rig(2000, 512);
        rig.Xen.FailWith = XenError.EINVAL;
        byte* heap = rig.Frames.Reserve(4096);
        Assert.False(rig.Frames.Commit(heap, 4096));
        Assert.Equal(XenError.EINVAL, rig.Frames.LastError);
    }

    [Fact]
    public void BallooningGivesFramesBackAndGetsThemAgain()
    {
        using var rig = new Rig(2000, 512);
        rig.Frames.ReturnFramesToXen = true;
        byte* heap = rig.Frames.Reserve(2 * 1024 * 1024);
        Assert.True(rig.Frames.Commit(heap, 2 * 1024 * 1024));
        long pages0 = rig.Xen.DomainPages;
        Assert.True(rig.Frames.Decommit(heap, 1024 * 1024), $"decommit failed: {rig.Frames.LastError}");
        Assert.Equal(pages0 - 256, rig.Xen.DomainPages);            // the domain shrank
        Assert.Equal(256ul, rig.Frames.BalloonedFrames);
        Assert.Null(rig.Xen.Translate((ulong)heap));
        // Take every owned free frame first, so the next commit must populate.
        ulong free = rig.Frames.FreeFrames;
        byte* rest = rig.Frames.Reserve(free * 4096);
        Assert.True(rig.Frames.Commit(rest, free * 4096));
        rig.Xen.MaxPages = rig.Xen.DomainPages + 10;                 // the toolstack allows 10 more frames
        var balloonedPfns = Enumerable.Range(0, 2000).Select(i => (ulong)i).Where(pfn => rig.Xen.P2m[pfn] == ~0UL).ToHashSet();
        Assert.Equal(256, balloonedPfns.Count);
        var bootP2m = Enumerable.Range(0, 512).Select(i => rig.Xen.P2m[i]).ToArray();
        Assert.True(rig.Frames.Commit(heap, 10 * 4096), $"repopulate failed: {rig.Frames.LastError}");
        for (ulong i = 0; i < 10; i++)
        {
            ulong mfn = rig.Xen.Translate((ulong)heap + i * 4096)!.Value;
            ulong pfn = rig.Xen.M2p[mfn];
            Assert.Contains(pfn, balloonedPfns);                     // a ballooned PFN got a frame again
            Assert.Equal(mfn, rig.Xen.P2m[pfn]);                     // and our P2M says so
        }
        Assert.Equal(bootP2m, Enumerable.Range(0, 512).Select(i => rig.Xen.P2m[i]).ToArray());
        Assert.Equal(246ul, rig.Frames.BalloonedFrames);
        Assert.False(rig.Frames.Commit(heap + 10 * 4096, 4096));     // over the toolstack's limit
        Assert.Equal(XenError.ENOMEM, rig.Frames.LastError);
    }

    [Fact]
    public void MachineFramesMapAtAReservedVa()
    {
        using var rig = new Rig(2000, 512);
        ulong[] grantMfns = { 0xA0001, 0xA0002, 0xA0003, 0xA0004 };
        foreach (var m in grantMfns) rig.Xen.SharedFrames.Add(m);
        byte* va = rig.Frames.Reserve(4 * 4096);
        ulong free = rig.Frames.FreeFrames;
        fixed (ulong* m = grantMfns) Assert.True(rig.Frames.MapMachineFrames(va, m, 4, writable: true));
        for (int i = 0; i < 4; i++) Assert.Equal(grantMfns[i], rig.Xen.Translate((ulong)va + (ulong)i * 4096));
        Assert.Equal(free, rig.Frames.FreeFrames);                      // no frames taken from the pool
        fixed (ulong* m = grantMfns) Assert.False(rig.Frames.MapMachineFrames(va, m, 1, true));   // already mapped
        Assert.Equal(XenError.EEXIST, rig.Frames.LastError);
        fixed (ulong* m = grantMfns) Assert.False(rig.Frames.MapMachineFrames(va + 4 * 4096 + 2 * 1024 * 1024, m, 1, true)); // not reserved
    }
}
