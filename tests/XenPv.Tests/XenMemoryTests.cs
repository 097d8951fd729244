// Why: XenMemory builds page tables the way Xen demands (frame zeroed, remapped read-only,
// then linked with mmu_update) and must end with every owned PFN mapped to its own MFN.
// A fake MMU plays Xen over a block of host memory standing in for the guest's VA space,
// enforcing the same rules Xen enforces, with a shuffled P2M so PFN/MFN mix-ups show.
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
    public readonly HashSet<ulong> Tables = new();       // PFNs Xen knows as page tables
    public int Hypercalls;
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
        for (ulong i = 0; i < PtFrames; i++) { Tables.Add(PtFirst + i); ReadOnly.Add(PtFirst + i); }
    }

    public static int Idx(ulong va, int level) => (int)((va >> (12 + 9 * (level - 1))) & 511);
    public ulong* Table(ulong pfn) => (ulong*)(Va + pfn * 4096);

    public XenError UpdateVaMapping(ulong va, ulong pte, ulong flags)
    {
        Hypercalls++;
        ulong pfn = (va - (ulong)Va) / 4096;
        Assert.True(pfn < NrPages, "update_va_mapping outside the guest");
        Assert.Equal(P2m[pfn], (pte & XenMemory.MfnMask) >> 12);
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
            Assert.True(Tables.Contains(tablePfn), $"mmu_update into PFN {tablePfn}, which is not a page table");
            ulong targetMfn = (val & XenMemory.MfnMask) >> 12;
            Assert.True(M2p.TryGetValue(targetMfn, out ulong targetPfn), "PTE points at a frame the guest does not own");
            if ((val & 0x67) == 0x67 && !Tables.Contains(targetPfn) && (val & 0xFFF) != XenMemory.PteL1)
            {
                // Linking a new table: Xen requires it not to be writable anywhere; we also want it zeroed.
                Assert.True(ReadOnly.Contains(targetPfn), $"new page table PFN {targetPfn} is still mapped writable");
                for (int k = 0; k < 512; k++) Assert.Equal(0ul, Table(targetPfn)[k]);
                Tables.Add(targetPfn);
            }
            Table(tablePfn)[(ptr & 0xFFF) / 8] = val;
        }
        *done = count;
        return XenError.Ok;
    }

    // Walks the fake page tables: MFN mapped at va, or null.
    public ulong? Translate(ulong va)
    {
        ulong* t = Table(PtFirst);
        for (int level = 4; level >= 1; level--)
        {
            ulong e = t[Idx(va, level)];
            if ((e & 1) == 0) return null;
            ulong mfn = (e & XenMemory.MfnMask) >> 12;
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

public unsafe class XenMemoryTests
{
    [Fact]
    public void MapAllMapsEveryOwnedPfnToItsMfn()
    {
        using var xen = new FakeXenMmu(3000, 200);          // ~11.7 MiB guest, boot mapping 200 pages
        var mem = new XenMemory(xen.Si, (ulong)xen.Va, xen);
        Assert.Equal(FakeXenMmu.PtFirst + FakeXenMmu.PtFrames + 1, mem.FirstFreePfn);
        Assert.Equal(200ul, mem.MappedEndPfn);
        Assert.True(mem.MapAll(), $"MapAll failed: {mem.LastError}");
        for (ulong pfn = 0; pfn < xen.NrPages; pfn++)
            Assert.Equal(xen.P2m[pfn], xen.Translate((ulong)xen.Va + pfn * 4096));
        Assert.Equal(5ul, mem.TableFrames);                  // PFNs 0..2999 span 6 L1 tables; one existed
        Assert.True(mem.IsMapped((ulong)xen.Va + 2999 * 4096));
        // Table frames stay read-only; heap frames do not.
        for (ulong pfn = mem.FirstFreePfn; pfn < mem.HeapFirstPfn; pfn++) Assert.Contains(pfn, xen.ReadOnly);
        Assert.DoesNotContain(mem.HeapFirstPfn, xen.ReadOnly);
        Assert.True(xen.Hypercalls < 40, $"mmu updates not batched: {xen.Hypercalls} hypercalls");
    }

    [Fact]
    public void GuestLargerThanOneGiBOfVaNeedsNewUpperTables()
    {
        // VA span crosses a 1 GiB boundary only if the guest is big; fake one with a base near it
        // is not possible with host memory, so check the L2 path with a 1100-page guest instead:
        using var xen = new FakeXenMmu(1100, 100);
        var mem = new XenMemory(xen.Si, (ulong)xen.Va, xen);
        Assert.True(mem.MapAll());
        Assert.Equal(2ul, mem.TableFrames);                  // 3 L1 tables in all (1100 pages), one existed
        Assert.Equal(xen.P2m[1099], xen.Translate((ulong)xen.Va + 1099 * 4096));
    }

    [Fact]
    public void ReserveAndCommitHandOutTheFreeFramesOnly()
    {
        using var xen = new FakeXenMmu(1024, 64);
        var mem = new XenMemory(xen.Si, (ulong)xen.Va, xen);
        Assert.True(mem.Reserve(4096) == null, "reserve before MapAll must fail");
        Assert.True(mem.MapAll());
        ulong free = mem.FreeFrames;
        Assert.Equal(1024 - mem.HeapFirstPfn, free);
        byte* heap = mem.Reserve(64 * 1024 * 1024);          // more VA than frames: allowed
        Assert.Equal((ulong)xen.Va + mem.HeapFirstPfn * 4096, (ulong)heap);
        Assert.Equal(0ul, mem.FreeFrames);
        heap[100] = 7;
        Assert.True(mem.Commit(heap, 8192));
        Assert.Equal(0, heap[100]);                          // committed pages read as zero
        Assert.True(mem.Commit(heap + (free - 1) * 4096, 4096));   // last owned frame
        Assert.False(mem.Commit(heap + free * 4096, 4096));        // past nr_pages
        Assert.False(mem.Commit((byte*)xen.Va, 4096));             // the image is not heap
    }

    [Fact]
    public void HypercallFailureIsReportedNotIgnored()
    {
        using var xen = new FakeXenMmu(2000, 100) { FailWith = XenError.ENOMEM };
        var mem = new XenMemory(xen.Si, (ulong)xen.Va, xen);
        Assert.False(mem.MapAll());
        Assert.Equal(XenError.ENOMEM, mem.LastError);
        Assert.True(mem.Reserve(4096) == null);
    }
}
