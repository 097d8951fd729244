// Why: a fake Xen that can play a 64 GiB PV guest on a small host. Machine frames exist
// only when written (a dictionary of 4 KiB pages; the builder's P2M is computed, not
// stored); page-table frames are typed and checked the way Xen checks them (a new table
// must be zeroed and mapped writable nowhere; no writable mapping of a table; no frame
// released while mapped, while in the TLB, or with data in it). Guest memory accesses go
// through a TLB that keeps stale entries until a flush, so a missing flush shows. Zeroing
// and data writes are counted. Layout as Xen's PV builder: image, P2M, start_info,
// xenstore, console, page tables, one stack page; boot mapping to the next 4 MiB past
// +512 KiB; MFNs a permutation of the PFNs.
using System.Runtime.InteropServices;
using XenPv.Shim;
using Xunit;

namespace XenPv.Tests;

public sealed unsafe class SparseXen : IMmuOps, IGuestMemory, IDisposable
{
    public const ulong VirtBase = 0x400000;
    public const ulong ImagePages = 16;
    const ulong MfnBase = 0x100000, Mult = 7919;
    public readonly ulong NrPages, MaxPfn, P2mPfn, P2mPages, PtFirst, NrPt, MapEndPfn, BootEndPfn;
    public readonly StartInfo* Si;
    readonly ulong multInv;

    readonly Dictionary<ulong, ulong[]> frames = new();       // written frames (absent = zero)
    readonly bool[] bootReleased;
    readonly Dictionary<ulong, ulong> extraM2p = new();       // populated MFN -> PFN
    readonly HashSet<ulong> extraPfns = new();
    public readonly Dictionary<ulong, int> Tables = new();    // MFN -> level
    readonly byte[] mapRefs, writeRefs;                       // per PFN
    readonly Dictionary<ulong, ulong> tlb = new();            // VA page -> PTE
    public readonly HashSet<ulong> SharedFrames = new();      // foreign frames the guest may map

    public int Hypercalls, MmuUpdateCalls, UpdateVaCalls, TlbFlushes, MemoryOps;
    public long MmuUpdateEntries, ZeroedPages, DataWrites;
    public XenError FailWith = XenError.Ok;                   // make mmu_update fail
    public long MaxPages = long.MaxValue;                     // the toolstack's limit for populate
    public int DecreaseTakesAtMost = int.MaxValue;            // per decrease_reservation call
    public ulong MemoryMapFrames;                             // 0: XENMEM_memory_map fails
    public readonly List<string> Events = new();              // memory_op/flush order, small tests
    public bool LogEvents;
    ulong nextNewMfn = 0x40000000;

    public SparseXen(ulong nrPages, ulong maxFrames = 0)
    {
        Assert.True(nrPages % Mult != 0);
        NrPages = nrPages;
        MaxPfn = Math.Max(nrPages, maxFrames);
        MemoryMapFrames = MaxPfn;
        multInv = ModInverse(Mult % nrPages, nrPages);
        bootReleased = new bool[nrPages];
        mapRefs = new byte[MaxPfn];
        writeRefs = new byte[MaxPfn];
        P2mPfn = ImagePages;
        P2mPages = (nrPages * 8 + 4095) / 4096;
        ulong nrPt = 4, mapEnd = 0, bootEnd = 0;
        for (int it = 0; it < 4; it++)
        {
            ulong stack = P2mPfn + P2mPages + 3 + nrPt;
            bootEnd = VirtBase + (stack + 1) * 4096;
            mapEnd = (bootEnd + 512 * 1024 + 0x3FFFFF) & ~0x3FFFFFUL;
            nrPt = 2 + (mapEnd + (1UL << 30) - 1) / (1UL << 30) + (mapEnd - VirtBase) / (1UL << 21);
        }
        NrPt = nrPt;
        PtFirst = P2mPfn + P2mPages + 3;
        MapEndPfn = (mapEnd - VirtBase) / 4096;
        BootEndPfn = (bootEnd - VirtBase) / 4096;
        Assert.True(MapEndPfn <= nrPages, "guest smaller than its boot mapping");
        Si = (StartInfo*)NativeMemory.AllocZeroed(1168);
        Si->nr_pages = nrPages;
        Si->mfn_list = VirtBase + P2mPfn * 4096;
        Si->pt_base = VirtBase + PtFirst * 4096;
        Si->nr_pt_frames = NrPt;
        BuildBootTables(mapEnd);
    }

    static ulong ModInverse(ulong a, ulong m)
    {
        long t = 0, nt = 1, r = (long)m, nr = (long)a;
        while (nr != 0) { long q = r / nr; (t, nt) = (nt, t - q * nt); (r, nr) = (nr, r - q * nr); }
        return (ulong)(t < 0 ? t + (long)m : t);
    }

    public ulong BootMfn(ulong pfn) => MfnBase + (pfn * Mult) % NrPages;
    public ulong Va(ulong pfn) => VirtBase + pfn * 4096;
    public static int Idx(ulong va, int level) => (int)((va >> (12 + 9 * (level - 1))) & 511);

    void BuildBootTables(ulong mapEnd)
    {
        ulong nL2 = (mapEnd + (1UL << 30) - 1) >> 30, nL1 = (mapEnd - VirtBase) >> 21;
        ulong l4 = BootMfn(PtFirst), l3 = BootMfn(PtFirst + 1);
        Tables[l4] = 4; Tables[l3] = 3;
        Set(l4, 0, l3 << 12 | 0x67);
        for (ulong i = 0; i < nL2; i++) { ulong m = BootMfn(PtFirst + 2 + i); Tables[m] = 2; Set(l3, (int)i, m << 12 | 0x67); }
        for (ulong i = 0; i < nL1; i++)
        {
            ulong va = VirtBase + i * (1UL << 21), m = BootMfn(PtFirst + 2 + nL2 + i);
            Tables[m] = 1;
            Set(BootMfn(PtFirst + 2 + (va >> 30)), Idx(va, 2), m << 12 | 0x67);
        }
        for (ulong pfn = 0; pfn < MapEndPfn; pfn++)
        {
            ulong va = Va(pfn);
            bool table = pfn >= PtFirst && pfn < PtFirst + NrPt;
            ulong l1 = BootMfn(PtFirst + 2 + nL2 + ((va - VirtBase) >> 21));
            Set(l1, Idx(va, 1), BootMfn(pfn) << 12 | (table ? 0x25UL : 0x67UL));
            mapRefs[pfn]++;
            if (!table) writeRefs[pfn]++;
        }
    }

    // A page table the builder did not make, linked under the boot L3 at va's 1 GiB slot
    // (taken from the boot mapping's slack): as if the boot tables reached into va.
    public void PlantBootL2(ulong va)
    {
        ulong pfn = MapEndPfn - 1, mfn = BootMfn(pfn);
        Tables[mfn] = 2;
        Set(BootMfn(PtFirst + 1), Idx(va, 3), mfn << 12 | 0x67);
    }

    // ---- machine frames ----
    public bool Owned(ulong mfn, out ulong pfn)
    {
        if (mfn >= MfnBase && mfn < MfnBase + NrPages)
        {
            pfn = (ulong)((UInt128)(mfn - MfnBase) * multInv % NrPages);
            if (!bootReleased[pfn]) return true;
        }
        return extraM2p.TryGetValue(mfn, out pfn);
    }

    ulong Word(ulong mfn, int i)
    {
        if (frames.TryGetValue(mfn, out var f)) return f[i];
        if (Owned(mfn, out ulong pfn) && pfn >= P2mPfn && pfn < P2mPfn + P2mPages && !extraM2p.ContainsKey(mfn))
        {
            ulong entry = (pfn - P2mPfn) * 512 + (ulong)i;       // the builder's P2M, computed
            return entry < NrPages ? BootMfn(entry) : 0;
        }
        return 0;
    }

    ulong[] Materialize(ulong mfn)
    {
        if (frames.TryGetValue(mfn, out var f)) return f;
        f = new ulong[512];
        for (int i = 0; i < 512; i++) f[i] = Word(mfn, i);
        frames[mfn] = f;
        return f;
    }

    void Set(ulong mfn, int i, ulong v) { if (v != 0 || frames.ContainsKey(mfn) || Word(mfn, i) != 0) Materialize(mfn)[i] = v; }

    public bool IsZero(ulong mfn)
    {
        if (frames.TryGetValue(mfn, out var f)) { foreach (ulong w in f) if (w != 0) return false; return true; }
        if (!(Owned(mfn, out ulong pfn) && pfn >= P2mPfn && pfn < P2mPfn + P2mPages)) return true;
        for (int i = 0; i < 512; i++) if (Word(mfn, i) != 0) return false;
        return true;
    }

    // A word of a machine frame, as the toolstack reads it (xc_map_foreign_range).
    public ulong ReadMachine(ulong mfn, int i) => Word(mfn, i);

    public int MaterializedFrames => frames.Count;
    long releasedBoot;
    public long DomainPages => (long)NrPages - releasedBoot + extraM2p.Count;

    // ---- translation ----
    public ulong L4Mfn => BootMfn(PtFirst);

    // The L1 entry's location for va: (table MFN, index), or false if a level is missing.
    bool FindL1(ulong va, out ulong l1, out int idx)
    {
        ulong t = L4Mfn;
        for (int level = 4; level >= 2; level--)
        {
            ulong e = Word(t, Idx(va, level));
            if ((e & 1) == 0) { l1 = 0; idx = 0; return false; }
            t = (e & XenFrames.MfnMask) >> 12;
        }
        l1 = t; idx = Idx(va, 1);
        return true;
    }

    // Page-table walk, no TLB: the PTE mapping va or 0.
    public ulong Walk(ulong va) => FindL1(va, out ulong l1, out int i) ? Word(l1, i) : 0;
    public ulong? Translate(ulong va) { ulong e = Walk(va); return (e & 1) != 0 ? (e & XenFrames.MfnMask) >> 12 : null; }

    ulong Pte(ulong va, bool write)
    {
        ulong page = va >> 12;
        if (!tlb.TryGetValue(page, out ulong e))
        {
            e = Walk(va);
            Assert.True((e & 1) != 0, $"page fault: VA {va:x} not mapped");
            if (tlb.Count > 65536) tlb.Clear();
            tlb[page] = e;
        }
        if (write)
        {
            Assert.True((e & 2) != 0, $"page fault: write to read-only VA {va:x}");
            Assert.False(Tables.ContainsKey((e & XenFrames.MfnMask) >> 12), $"write to a page table through VA {va:x} (stale TLB entry?)");
        }
        return (e & XenFrames.MfnMask) >> 12;
    }

    public ulong Read(ulong va) { Assert.Equal(0ul, va & 7); return Word(Pte(va, false), (int)((va & 4095) / 8)); }
    public void Write(ulong va, ulong value) { Assert.Equal(0ul, va & 7); DataWrites++; Set(Pte(va, true), (int)((va & 4095) / 8), value); }
    public uint Read32(ulong va) { ulong w = Read(va & ~7UL); return (va & 4) != 0 ? (uint)(w >> 32) : (uint)w; }
    public void Write32(ulong va, uint value)
    {
        ulong w = Read(va & ~7UL);
        w = (va & 4) != 0 ? (w & 0xFFFFFFFFUL) | ((ulong)value << 32) : (w & ~0xFFFFFFFFUL) | value;
        Write(va & ~7UL, w);
    }
    public void FillPage(ulong va, ulong value)
    {
        Assert.Equal(0ul, va & 4095);
        ulong mfn = Pte(va, true);
        if (value == 0)
        {
            ZeroedPages++;
            if (IsZero(mfn)) { frames.Remove(mfn); return; }
            frames[mfn] = new ulong[512];
            return;
        }
        DataWrites++;
        var f = Materialize(mfn);
        for (int i = 0; i < 512; i++) f[i] = value;
    }

    // ---- page-table updates, checked like Xen ----
    void ApplyPte(ulong tableMfn, int idx, ulong val)
    {
        Assert.True(Tables.TryGetValue(tableMfn, out int level), $"PTE write into MFN {tableMfn:x}, which is not a page table");
        ulong old = Word(tableMfn, idx);
        if ((val & 1) != 0)
        {
            ulong target = (val & XenFrames.MfnMask) >> 12;
            if (level == 1 && SharedFrames.Contains(target)) { Set(tableMfn, idx, val); return; }
            Assert.True(Owned(target, out ulong tpfn), $"PTE points at MFN {target:x}, which the guest does not own");
            if (level == 1)
            {
                if ((val & 2) != 0) Assert.False(Tables.ContainsKey(target), $"writable mapping of page table MFN {target:x}");
                mapRefs[tpfn]++;
                if ((val & 2) != 0) writeRefs[tpfn]++;
            }
            else if (Tables.TryGetValue(target, out int tl)) Assert.Equal(level - 1, tl);
            else
            {
                Assert.True(writeRefs[tpfn] == 0, $"new page table PFN {tpfn} is still mapped writable");
                Assert.True(IsZero(target), $"new page table PFN {tpfn} is not zeroed");
                Tables[target] = level - 1;
            }
        }
        if (level == 1 && (old & 1) != 0 && !SharedFrames.Contains((old & XenFrames.MfnMask) >> 12))
        {
            Assert.True(Owned((old & XenFrames.MfnMask) >> 12, out ulong opfn));
            mapRefs[opfn]--;
            if ((old & 2) != 0) writeRefs[opfn]--;
        }
        Set(tableMfn, idx, val);
    }

    public XenError MmuUpdates(MmuUpdate* reqs, uint count, uint* done)
    {
        Hypercalls++; MmuUpdateCalls++;
        Assert.True(count <= 512, "mmu_update batch larger than the guest's buffer");
        if (FailWith != XenError.Ok) return FailWith;
        for (uint i = 0; i < count; i++)
        {
            Assert.Equal(0ul, reqs[i].ptr & 7);                       // MMU_NORMAL_PT_UPDATE, aligned
            ApplyPte(reqs[i].ptr >> 12, (int)((reqs[i].ptr & 4095) / 8), reqs[i].val);
            MmuUpdateEntries++;
        }
        *done = count;
        return XenError.Ok;
    }

    public XenError UpdateVaMapping(ulong va, ulong pte, ulong flags)
    {
        Hypercalls++; UpdateVaCalls++;
        Assert.True(FindL1(va, out ulong l1, out int idx), $"update_va_mapping at {va:x} without an L1 table");
        ApplyPte(l1, idx, pte);
        if ((flags & global::XenPv.Shim.Hypercalls.UvmfInvlpg) != 0) tlb.Remove(va >> 12);
        return XenError.Ok;
    }

    public XenError FlushTlbLocal()
    {
        Hypercalls++; TlbFlushes++;
        tlb.Clear();
        if (LogEvents) Events.Add("flush");
        return XenError.Ok;
    }

    public ulong MachineToPhys(ulong mfn) => Owned(mfn, out ulong pfn) ? pfn : 0x5A5A5A5A;

    public long MemoryOp(int cmd, void* arg)
    {
        Hypercalls++; MemoryOps++;
        if (cmd == XenMem.MemoryMap)
        {
            var m = (XenMemoryMap*)arg;
            if (MemoryMapFrames == 0) return (long)XenError.ENOSYS;
            Assert.True(m->nr_entries >= 1);
            var e = (E820Entry*)m->buffer;
            e[0].addr = 0; e[0].size = MemoryMapFrames * 4096; e[0].type = E820Entry.Ram;
            m->nr_entries = 1;
            return 0;
        }
        if (cmd == XenMem.CurrentReservation)
        {
            Assert.Equal(global::XenPv.Shim.Hypercalls.DomidSelf, *(ushort*)arg);
            return DomainPages;
        }
        var r = (XenMemoryReservation*)arg;
        Assert.Equal(0u, r->extent_order);
        Assert.Equal(global::XenPv.Shim.Hypercalls.DomidSelf, r->domid);
        Assert.True(r->nr_extents <= 512, "more extents than the guest's batch");
        ulong* list = (ulong*)r->extent_start;
        long done = 0;
        if (LogEvents) Events.Add(cmd == XenMem.DecreaseReservation ? $"decrease {r->nr_extents}" : $"populate {r->nr_extents}");
        for (ulong i = 0; i < r->nr_extents; i++)
        {
            if (cmd == XenMem.DecreaseReservation)
            {
                if (done >= DecreaseTakesAtMost) break;
                ulong mfn = list[i];
                Assert.True(Owned(mfn, out ulong pfn), $"decrease_reservation of MFN {mfn:x} the guest does not own");
                Assert.True(mapRefs[pfn] == 0, $"MFN {mfn:x} (PFN {pfn}) released while still mapped");
                Assert.False(tlb.Values.Any(e => ((e & XenFrames.MfnMask) >> 12) == mfn), $"MFN {mfn:x} released while still in the TLB");
                Assert.False(Tables.ContainsKey(mfn), $"page table MFN {mfn:x} released");
                Assert.True(IsZero(mfn), $"MFN {mfn:x} (PFN {pfn}) released with data in it");
                if (extraM2p.Remove(mfn)) extraPfns.Remove(pfn); else { bootReleased[pfn] = true; releasedBoot++; }
                frames.Remove(mfn);
                done++;
            }
            else if (cmd == XenMem.PopulatePhysmap)
            {
                if (DomainPages >= MaxPages) break;
                ulong gpfn = list[i];
                Assert.True(gpfn < MaxPfn, $"populate of PFN {gpfn} past the maximum");
                Assert.False((gpfn < NrPages && !bootReleased[gpfn]) || extraPfns.Contains(gpfn), $"populate of PFN {gpfn}, which has a frame");
                ulong mfn = nextNewMfn++;
                extraM2p[mfn] = gpfn;
                extraPfns.Add(gpfn);
                list[i] = mfn;
                done++;
            }
            else return (long)XenError.ENOSYS;
        }
        return done;
    }

    public void Dispose() { NativeMemory.Free(Si); }
}
