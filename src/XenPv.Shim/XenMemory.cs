// Why: a PV guest can only touch the first few MiB Xen mapped at boot; the Lisp heap needs
// the rest of its frames. This maps every PFN the guest owns at VA = base + PFN*4096 (the
// boot mapping, extended), building missing L3/L2/L1 tables the way Xen accepts them:
// take an already-mapped free frame, zero it, remap it read-only, link it with mmu_update.
// Then it hands out the free PFNs as one contiguous heap range (reserve/commit/decommit).
// Vocabulary: PFN = guest frame number, MFN = machine frame, P2M = start_info.mfn_list.
using System.Runtime.InteropServices;

namespace XenPv.Shim
{
    // The two MMU hypercalls, behind an interface so a fake MMU can test the table building.
    public unsafe interface IMmuOps
    {
        XenError UpdateVaMapping(ulong va, ulong pte, ulong flags);
        XenError MmuUpdates(MmuUpdate* reqs, uint count, uint* done);
    }

    public unsafe sealed class XenMmuOps : IMmuOps
    {
        public XenError UpdateVaMapping(ulong va, ulong pte, ulong flags) { return Hypercalls.UpdateVaMapping(va, pte, flags); }
        public XenError MmuUpdates(MmuUpdate* reqs, uint count, uint* done) { return Hypercalls.MmuUpdates(reqs, count, done); }
    }

    public unsafe sealed class XenMemory
    {
        public const ulong PageSize = 4096;
        public const ulong PteL1 = 0x27;        // present | rw | user | accessed
        public const ulong PteTable = 0x67;     // present | rw | user | accessed | dirty (upper levels)
        public const ulong PteReadOnly = 0x25;  // present | user | accessed: how page-table frames stay mapped
        public const ulong MfnMask = 0x000FFFFFFFFFF000;
        public const int Batch = 256;

        private readonly IMmuOps mmu;
        private readonly ulong vaBase;          // VA of PFN 0 (VIRT_BASE)
        private readonly ulong* p2m;
        private readonly ulong nrPages;
        private readonly ulong* l4;
        private readonly ulong l4Mfn;
        private readonly ulong ptFirstPfn, ptEndPfn;   // boot page tables
        private readonly ulong firstFreePfn;            // first PFN after the boot region
        private ulong nextFreePfn;                      // next PFN not yet used (tables, then heap)
        private ulong mappedEndPfn;                     // PFNs below this have their VA mapped
        private ulong heapFirstPfn;                     // first PFN of the heap pool (after MapAll)
        private ulong reservedEndVa;                    // reservations are handed out from here
        private bool mappedAll;
        public XenError LastError;

        // si: start_info; vaBase: VIRT_BASE (tests pass a fake one). Maps nothing yet.
        public XenMemory(StartInfo* si, ulong vaBase, IMmuOps mmu)
        {
            this.mmu = mmu;
            this.vaBase = vaBase;
            p2m = (ulong*)si->mfn_list;
            nrPages = si->nr_pages;
            l4 = (ulong*)si->pt_base;
            ptFirstPfn = (si->pt_base - vaBase) / PageSize;
            ptEndPfn = ptFirstPfn + si->nr_pt_frames;
            l4Mfn = ptFirstPfn < nrPages ? p2m[ptFirstPfn] : 0;
            // Boot region order: image, P2M, start_info, xenstore, console, page tables, one stack page.
            firstFreePfn = ptEndPfn + 1;
            nextFreePfn = firstFreePfn;
            mappedEndPfn = firstFreePfn;
            while (mappedEndPfn < nrPages && IsMapped(vaBase + mappedEndPfn * PageSize)) mappedEndPfn++;
            heapFirstPfn = nrPages;
        }

        public ulong NrPages { get { return nrPages; } }
        public ulong FirstFreePfn { get { return firstFreePfn; } }
        public ulong MappedEndPfn { get { return mappedEndPfn; } }
        public ulong TableFrames { get { return nextFreePfn - firstFreePfn; } }
        public ulong HeapFirstPfn { get { return heapFirstPfn; } }

        // Frames not yet covered by a reservation.
        public ulong FreeFrames
        {
            get
            {
                if (!mappedAll) return 0;
                ulong end = VaOfPfn(nrPages);
                return reservedEndVa >= end ? 0 : (end - reservedEndVa) / PageSize;
            }
        }
        public ulong VaOfPfn(ulong pfn) { return vaBase + pfn * PageSize; }

        private static int Index(ulong va, int level) { return (int)((va >> (12 + 9 * (level - 1))) & 511); }

        // VA of a page-table frame we can read: a boot table or one we created. null if unknown.
        private ulong* TableVa(ulong mfn)
        {
            for (ulong pfn = ptFirstPfn; pfn < ptEndPfn && pfn < nrPages; pfn++)
                if (p2m[pfn] == mfn) return (ulong*)VaOfPfn(pfn);
            for (ulong pfn = firstFreePfn; pfn < nextFreePfn && pfn < nrPages; pfn++)
                if (p2m[pfn] == mfn) return (ulong*)VaOfPfn(pfn);
            return null;
        }

        // Walks L4..L1 for va; true if a present L1 entry maps it.
        public bool IsMapped(ulong va)
        {
            ulong* t = l4;
            for (int level = 4; level >= 1; level--)
            {
                if (t == null) return false;
                ulong e = t[Index(va, level)];
                if ((e & 1) == 0) return false;
                if (level == 1) return true;
                if ((e & 0x80) != 0) return true; // large page (not used by PV, but do not walk into it)
                t = TableVa((e & MfnMask) >> 12);
            }
            return false;
        }

        // Returns the child table of entry [index] in table (mfn tableMfn), creating it if absent.
        private ulong* Child(ulong* table, ulong tableMfn, int index, out ulong childMfn)
        {
            ulong e = table[index];
            if ((e & 1) != 0)
            {
                childMfn = (e & MfnMask) >> 12;
                return TableVa(childMfn);
            }
            childMfn = 0;
            if (nextFreePfn >= mappedEndPfn) { LastError = XenError.ENOMEM; return null; }
            ulong pfn = nextFreePfn++;
            ulong mfn = p2m[pfn];
            ulong* page = (ulong*)VaOfPfn(pfn);
            for (int i = 0; i < 512; i++) page[i] = 0;
            // Xen accepts a frame as a page table only if no writable mapping of it exists.
            XenError err = mmu.UpdateVaMapping((ulong)page, (mfn << 12) | PteReadOnly, Hypercalls.UvmfInvlpg);
            if (err != XenError.Ok) { LastError = err; return null; }
            MmuUpdate* u = stackalloc MmuUpdate[1];
            u->ptr = (tableMfn << 12) + (ulong)index * 8;   // MMU_NORMAL_PT_UPDATE (0) in the low bits
            u->val = (mfn << 12) | PteTable;
            uint done = 0;
            err = mmu.MmuUpdates(u, 1, &done);
            if (err != XenError.Ok) { LastError = err; return null; }
            childMfn = mfn;
            return page;
        }

        // Maps every PFN the guest owns (up to nr_pages) at vaBase + PFN*4096. Page-table frames
        // come from the free PFNs right after the boot region; the rest becomes the heap pool.
        public bool MapAll()
        {
            MmuUpdate* batch = stackalloc MmuUpdate[Batch];
            while (mappedEndPfn < nrPages)
            {
                // One chunk = the PFNs that share one L1 table (2 MiB of VA).
                ulong va = VaOfPfn(mappedEndPfn);
                ulong l3Mfn, l2Mfn, l1Mfn;
                ulong* l3 = Child(l4, l4Mfn, Index(va, 4), out l3Mfn);
                if (l3 == null) return false;
                ulong* l2 = Child(l3, l3Mfn, Index(va, 3), out l2Mfn);
                if (l2 == null) return false;
                ulong* l1 = Child(l2, l2Mfn, Index(va, 2), out l1Mfn);
                if (l1 == null) return false;
                int first = Index(va, 1);
                ulong count = 512 - (ulong)first;
                if (count > nrPages - mappedEndPfn) count = nrPages - mappedEndPfn;
                uint n = 0;
                for (ulong i = 0; i < count; i++)
                {
                    ulong pfn = mappedEndPfn + i;
                    int slot = first + (int)i;
                    if ((l1[slot] & 1) == 0)
                    {
                        batch[n].ptr = (l1Mfn << 12) + (ulong)slot * 8;
                        batch[n].val = (p2m[pfn] << 12) | PteL1;
                        n++;
                    }
                    if (n == Batch || (i == count - 1 && n > 0))
                    {
                        uint done = 0;
                        XenError err = mmu.MmuUpdates(batch, n, &done);
                        if (err != XenError.Ok) { LastError = err; return false; }
                        n = 0;
                    }
                }
                mappedEndPfn += count;
            }
            heapFirstPfn = nextFreePfn;
            reservedEndVa = VaOfPfn(heapFirstPfn);
            mappedAll = true;
            return true;
        }

        // A contiguous VA range for a heap: the free PFNs after the page tables. Reserving more
        // than FreeFrames is allowed (VA only); committing past nr_pages then fails.
        public byte* Reserve(ulong bytes)
        {
            if (!mappedAll) return null;
            byte* va = (byte*)reservedEndVa;
            reservedEndVa += (bytes + PageSize - 1) & ~(PageSize - 1);
            return va;
        }

        // Pages in [va, va+bytes) become usable, zeroed. False outside the frames we own.
        public bool Commit(byte* va, ulong bytes)
        {
            ulong start = (ulong)va, end = start + ((bytes + PageSize - 1) & ~(PageSize - 1));
            if (start < VaOfPfn(heapFirstPfn) || end > VaOfPfn(nrPages) || (start & (PageSize - 1)) != 0) return false;
            for (ulong* p = (ulong*)start; p < (ulong*)end; p++) *p = 0;
            return true;
        }

        // Frames stay with the guest for now (returning them to Xen is the ballooning step).
        public void Decommit(byte* va, ulong bytes) { }
    }
}
