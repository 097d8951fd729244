// Why: frames for the Lisp heap on Xen (the kernel's reserve/commit/decommit). VA from
// heapBase up is handed out by Reserve without mapping; Commit takes frames the guest owns
// (PFNs past the boot mapping, or decommitted ones) and maps them with batched mmu_update,
// adding L3/L2/L1 tables as needed; Decommit unmaps, flushes the TLB and keeps the frames.
// Table frames come from the free frames inside the boot mapping: zeroed through their VA,
// remapped read-only, then linked (Xen then types them as page tables). Algorithm as in the
// kernel's lab-verified XenFrames, made testable through IMmuOps.
// With ReturnFramesToXen, Decommit also gives the frames back (decrease_reservation, the
// domain shrinks in `xl list`) and Commit asks for them again (populate_physmap), which
// works up to the toolstack's limit (memory + 1 MiB, or more after `xl mem-set`). Lab check
// (Xen 4.17, 32 MiB guest): current_reservation 8192 -> 6144 -> 8192 pages for an 8 MiB
// release and re-commit, pages zeroed, data intact.
// Vocabulary: VA virtual address, PFN guest frame, MFN machine frame, MA machine address.
namespace XenPv.Shim
{
    public unsafe sealed class XenFrames : IBalloonFrames
    {
        public const ulong DefaultHeapBase = 0x40000000;     // 1 GiB: above anything the builder maps
        public const ulong PteTable = 0x67, PteData = 0x67, PteReadOnly = 0x25;
        public const ulong MfnMask = 0x000FFFFFFFFFF000;
        public const int Batch = 64;

        private readonly IMmuOps mmu;
        private readonly ulong virtBase;
        private readonly ulong* p2m;
        private readonly ulong nrPages;
        private readonly ulong* l4;
        private readonly ulong l4Mfn;
        private ulong tableNext;                // VA of the next free, mapped frame for a page table
        private readonly ulong tableEnd;        // end of the boot mapping (VA)
        private ulong dataNextPfn;              // first never-used PFN past the boot mapping
        // Two stacks in one boot-time array (a PFN is in at most one): from the start, decommitted
        // frames we still own (reused first); from the end, PFNs whose frames went back to Xen.
        private readonly uint[] pfnStacks;
        private ulong freeCount;
        private ulong balloonedCount;
        private readonly ulong[] extents = new ulong[Batch];
        private readonly ulong[] extentPfns = new ulong[Batch];
        private int extentCount;
        public bool ReturnFramesToXen;
        public const ulong InvalidMfn = ~0UL;
        private readonly ulong heapBase, heapTop;
        private ulong reserveNext;
        private readonly MmuUpdate[] batch = new MmuUpdate[Batch];
        private int batchCount;
        public ulong FramesMapped;
        public XenError LastError;

        // Xen's PV builder maps the boot region (up to the boot stack after the page tables)
        // plus 512 KiB, rounded up to 4 MiB. Frames between the two are free and mapped.
        public static void BootMapping(StartInfo* si, out ulong bootEnd, out ulong mapEnd)
        {
            bootEnd = si->pt_base + si->nr_pt_frames * 4096 + 4096;
            mapEnd = (bootEnd + 512 * 1024 + 0x3FFFFF) & ~0x3FFFFFUL;
        }

        public XenFrames(StartInfo* si, ulong virtBase, ulong bootEnd, ulong mapEnd, IMmuOps mmu,
            ulong heapBase = DefaultHeapBase, ulong heapTop = 0x8000000000UL)
        {
            this.mmu = mmu;
            this.virtBase = virtBase;
            nrPages = si->nr_pages;
            p2m = (ulong*)si->mfn_list;
            l4 = (ulong*)si->pt_base;
            l4Mfn = p2m[(si->pt_base - virtBase) / 4096];
            tableNext = bootEnd;
            tableEnd = mapEnd;
            dataNextPfn = (mapEnd - virtBase) / 4096;
            pfnStacks = new uint[nrPages + 1];
            this.heapBase = heapBase;
            this.heapTop = heapTop;
            reserveNext = heapBase;
        }

        // Frames Commit can use without asking Xen (ballooned ones are not counted).
        public ulong FreeFrames { get { return freeCount + (nrPages > dataNextPfn ? nrPages - dataNextPfn : 0); } }
        public ulong BalloonedFrames { get { return balloonedCount; } }

        // IBalloonFrames: placeholders until the balloon moves frames (issue 12).
        public ulong OwnedFrames { get { return nrPages - balloonedCount; } }
        public ulong MaxFrames { get { return nrPages; } }
        public ulong ReleaseFreeFrames(ulong count) { return 0; }
        public ulong PopulateFrames(ulong count) { return 0; }
        public ulong FramesReturnedTotal { get { return 0; } }
        public ulong FramesPopulatedTotal { get { return 0; } }
        public long CurrentReservation() { return -38; }   // ENOSYS until implemented
        public ulong TableFramesLeft { get { return (tableEnd - tableNext) / 4096; } }

        public byte* Reserve(ulong bytes)
        {
            bytes = (bytes + 0x1FFFFF) & ~0x1FFFFFUL;
            if (bytes == 0 || heapTop - reserveNext < bytes) return null;
            ulong va = reserveNext;
            reserveNext += bytes;
            return (byte*)va;
        }

        // Recently found tables (MFN -> VA): consecutive pages share their L3/L2/L1 tables, so
        // this spares a P2M scan per level per page. Tables never move, entries never go stale.
        private readonly ulong[] cacheMfn = new ulong[4];
        private readonly ulong[] cacheVa = new ulong[4];
        private int cacheNext;

        // VA of a page-table frame from its MFN: all tables we can read live in the boot mapping.
        private ulong* TableVa(ulong mfn)
        {
            for (int i = 0; i < 4; i++)
                if (cacheVa[i] != 0 && cacheMfn[i] == mfn) return (ulong*)cacheVa[i];
            ulong limit = (tableEnd - virtBase) / 4096;
            for (ulong pfn = 0; pfn < limit && pfn < nrPages; pfn++)
                if (p2m[pfn] == mfn)
                {
                    ulong va = virtBase + pfn * 4096;
                    cacheMfn[cacheNext] = mfn;
                    cacheVa[cacheNext] = va;
                    cacheNext = (cacheNext + 1) & 3;
                    return (ulong*)va;
                }
            return null;
        }

        private bool Queue(ulong ma, ulong val)
        {
            batch[batchCount].ptr = ma;                 // MMU_NORMAL_PT_UPDATE (0) in the low bits
            batch[batchCount].val = val;
            batchCount++;
            return batchCount < Batch || FlushBatch();
        }

        private bool FlushBatch()
        {
            if (batchCount == 0) return true;
            uint done = 0;
            XenError e;
            fixed (MmuUpdate* b = batch) e = mmu.MmuUpdates(b, (uint)batchCount, &done);
            batchCount = 0;
            if (e != XenError.Ok) { LastError = e; return false; }
            return true;
        }

        // The next-level table under entry [index] of table (machine frame tableMfn), created
        // zeroed and linked if absent (create) or null if absent (!create).
        private ulong* NextTable(ulong* table, ulong tableMfn, ulong index, bool create, out ulong nextMfn)
        {
            ulong e = table[index];
            if ((e & 1) != 0)
            {
                nextMfn = (e & MfnMask) >> 12;
                return TableVa(nextMfn);
            }
            nextMfn = 0;
            if (!create) return null;
            if (tableNext >= tableEnd) { LastError = XenError.ENOMEM; return null; }
            ulong va = tableNext;
            tableNext += 4096;
            ulong mfn = p2m[(va - virtBase) / 4096];
            for (int i = 0; i < 512; i++) ((ulong*)va)[i] = 0;
            // Xen accepts a frame as a page table only when no writable mapping of it exists.
            XenError err = mmu.UpdateVaMapping(va, (mfn << 12) | PteReadOnly, Hypercalls.UvmfInvlpg);
            if (err != XenError.Ok) { LastError = err; return null; }
            if (!FlushBatch()) return null;             // pending L1 writes before the table changes
            Queue((tableMfn << 12) + index * 8, (mfn << 12) | PteTable);
            if (!FlushBatch()) return null;
            nextMfn = mfn;
            return (ulong*)va;
        }

        // Pointer (readable) to the L1 entry for va, and its machine address.
        private ulong* L1Entry(ulong va, bool create, out ulong entryMa)
        {
            entryMa = 0;
            ulong m3, m2, m1;
            ulong* l3 = NextTable(l4, l4Mfn, (va >> 39) & 511, create, out m3);
            if (l3 == null) return null;
            ulong* l2 = NextTable(l3, m3, (va >> 30) & 511, create, out m2);
            if (l2 == null) return null;
            ulong* l1 = NextTable(l2, m2, (va >> 21) & 511, create, out m1);
            if (l1 == null) return null;
            ulong i1 = (va >> 12) & 511;
            entryMa = (m1 << 12) + i1 * 8;
            return l1 + i1;
        }

        private bool TakeFrame(out ulong pfn)
        {
            if (freeCount > 0) { pfn = pfnStacks[--freeCount]; return true; }
            if (dataNextPfn < nrPages) { pfn = dataNextPfn++; return true; }
            if (balloonedCount > 0)
            {
                // Ask Xen for a frame for this PFN again (populate_physmap: GPFN in, MFN out).
                pfn = pfnStacks[nrPages + 1 - balloonedCount];   // top of the ballooned stack
                ulong* slot = stackalloc ulong[1];
                slot[0] = pfn;
                XenMemoryReservation* r = stackalloc XenMemoryReservation[1];
                r->extent_start = (ulong)slot;
                r->nr_extents = 1;
                r->extent_order = 0;
                r->mem_flags = 0;
                r->domid = Hypercalls.DomidSelf;
                long done = mmu.MemoryOp(XenMemoryReservation.PopulatePhysmap, r);
                if (done != 1) { LastError = done < 0 ? (XenError)done : XenError.ENOMEM; return false; }
                balloonedCount--;
                p2m[pfn] = slot[0];
                return true;
            }
            pfn = 0;
            return false;
        }

        // Gives the queued MFNs back to Xen; their PTEs are cleared and the TLB flushed already.
        private bool ReleaseExtents()
        {
            if (extentCount == 0) return true;
            bool ok;
            fixed (ulong* e = extents)
            {
                XenMemoryReservation* r = stackalloc XenMemoryReservation[1];
                r->extent_start = (ulong)e;
                r->nr_extents = (ulong)extentCount;
                r->extent_order = 0;
                r->mem_flags = 0;
                r->domid = Hypercalls.DomidSelf;
                long done = mmu.MemoryOp(XenMemoryReservation.DecreaseReservation, r);
                ok = done == extentCount;
                if (!ok) LastError = done < 0 ? (XenError)done : XenError.EBUSY;
                // Frames Xen did not take stay ours: back on the free list.
                for (int i = 0; i < extentCount; i++)
                {
                    ulong pfn = extentPfns[i];
                    if (pfn >= nrPages) continue;
                    if (i < done) { p2m[pfn] = InvalidMfn; pfnStacks[nrPages - balloonedCount] = (uint)pfn; balloonedCount++; }
                    else pfnStacks[freeCount++] = (uint)pfn;
                }
            }
            extentCount = 0;
            return ok;
        }



        // Maps [p, p+bytes) (page aligned, inside a reservation) and zeroes it.
        public bool Commit(byte* p, ulong bytes)
        {
            ulong va = (ulong)p, end = va + ((bytes + 4095) & ~4095UL);
            if (va < heapBase || end > reserveNext || (va & 4095) != 0) return false;
            for (ulong v = va; v < end; v += 4096)
            {
                ulong ma;
                ulong* pte = L1Entry(v, true, out ma);
                if (pte == null) { FlushBatch(); return false; }
                if ((*pte & 1) != 0) continue;
                ulong pfn;
                if (!TakeFrame(out pfn)) { FlushBatch(); LastError = XenError.ENOMEM; return false; }
                if (!Queue(ma, (p2m[pfn] << 12) | PteData)) return false;
                FramesMapped++;
            }
            if (!FlushBatch()) return false;
            for (ulong z = va; z < end; z += 8) *(ulong*)z = 0;
            return true;
        }

        // Maps machine frames we do not take from our pool (grant-table frames from
        // GNTTABOP_setup_table, the xenstore or console page) at va, inside a reservation.
        // Unmapping them later is Decommit's job only if they came from us: do not.
        public bool MapMachineFrames(byte* p, ulong* mfns, int count, bool writable)
        {
            ulong va = (ulong)p, end = va + (ulong)count * 4096;
            if (count <= 0 || va < heapBase || end > reserveNext || (va & 4095) != 0) return false;
            for (int i = 0; i < count; i++)
            {
                ulong ma;
                ulong* pte = L1Entry(va + (ulong)i * 4096, true, out ma);
                if (pte == null) { FlushBatch(); return false; }
                if ((*pte & 1) != 0) { FlushBatch(); LastError = XenError.EEXIST; return false; }
                if (!Queue(ma, (mfns[i] << 12) | (writable ? PteData : PteReadOnly))) return false;
            }
            return FlushBatch();
        }

        // Unmaps [p, p+bytes); the frames are kept for the next Commit.
        public bool Decommit(byte* p, ulong bytes)
        {
            ulong va = (ulong)p, end = va + ((bytes + 4095) & ~4095UL);
            if (va < heapBase || end > reserveNext) return false;
            for (ulong v = va; v < end; v += 4096)
            {
                ulong ma;
                ulong* pte = L1Entry(v, false, out ma);
                if (pte == null || (*pte & 1) == 0) continue;
                ulong mfn = (*pte & MfnMask) >> 12;
                if (!Queue(ma, 0)) return false;
                FramesMapped--;
                if (ReturnFramesToXen)
                {
                    extents[extentCount] = mfn;
                    extentPfns[extentCount] = PfnOf(mfn);    // while the M2P still knows it
                    extentCount++;
                    if (extentCount == Batch && !FlushReleased()) return false;
                }
                else
                {
                    ulong pfn = PfnOf(mfn);
                    if (pfn < nrPages) pfnStacks[freeCount++] = (uint)pfn;
                }
            }
            return FlushReleased();
        }

        // Order matters: PTEs cleared, then the TLB flushed, then (ballooning) frames released.
        private bool FlushReleased()
        {
            if (!FlushBatch()) return false;
            // Unmapped entries may still be cached: flush before anyone reuses the frames.
            XenError e = mmu.FlushTlbLocal();
            if (e != XenError.Ok) { LastError = e; return false; }
            return ReleaseExtents();
        }

        // MFN -> PFN: the M2P, checked against our P2M; else a search over the frames we hand out.
        private ulong PfnOf(ulong mfn)
        {
            ulong guess = mmu.MachineToPhys(mfn);
            if (guess < nrPages && p2m[guess] == mfn) return guess;
            for (ulong pfn = (tableEnd - virtBase) / 4096; pfn < dataNextPfn; pfn++)
                if (p2m[pfn] == mfn) return pfn;
            return ulong.MaxValue;
        }
    }
}
