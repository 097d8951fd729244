// Why: the guest's frames for the Lisp heap on Xen (the kernel's reserve/commit/decommit)
// and for the balloon (IBalloonFrames). Reserve hands out VA from FrameLayout's heap region
// without mapping; Commit maps free frames there with batched mmu_update, adding page tables
// taken from the same pool; Decommit unmaps, flushes the TLB and keeps the frames as
// "dirty" free frames. Frames move to or from Xen only through ReleaseFreeFrames and
// PopulateFrames (XenFrames.Balloon.cs); the balloon policy decides when.
// Split by concern: Boot (maximum, layout, window, P2M), Tables (window and page tables),
// Pool (P2M and free/returned stacks), Balloon (populate/decrease).
// Vocabulary: VA virtual address, PFN guest frame, MFN machine frame, MA machine address,
// P2M PFN->MFN (ours, sized for MaxFrames), M2P MFN->PFN (Xen's, read-only, checked).
namespace XenPv.Shim
{
    public unsafe sealed partial class XenFrames : IBalloonFrames
    {
        public const ulong PteTable = 0x67, PteData = 0x67, PteReadOnly = 0x25;
        public const ulong MfnMask = 0x000FFFFFFFFFF000;
        public const int Batch = 512;                       // one L1 table's worth of updates
        public const ulong InvalidMfn = XenMem.InvalidMfn;

        private readonly IMmuOps mmu;
        private readonly IGuestMemory mem;
        private readonly ulong virtBase, nrPages, bootP2mVa, ptBase, bootEnd, mapEnd;
        private FrameLayout lay;
        private bool started;
        private ulong reserveNext;

        private readonly MmuUpdate[] batch = new MmuUpdate[Batch];
        private int batchCount;
        private readonly ulong[] extents = new ulong[Batch];
        private readonly ulong[] extentPfns = new ulong[Batch];
        private readonly bool[] extentDirty = new bool[Batch];

        public ulong FramesMapped;          // heap pages mapped by Commit, less Decommit
        public ulong MetaFrames;            // page tables, P2M pages, stack pages we made
        public ulong LostFrames;            // unmapped frames whose M2P entry disagreed with our P2M
        public XenError LastError;
        // Why Start failed, for the boot console (null when it did not).
        public string FailReason;

        // Xen's PV builder maps the boot region (up to the boot stack after the page tables)
        // plus 512 KiB, rounded up to 4 MiB. Frames between the two are free and mapped.
        public static void BootMapping(StartInfo* si, out ulong bootEnd, out ulong mapEnd)
        {
            bootEnd = si->pt_base + si->nr_pt_frames * 4096 + 4096;
            mapEnd = (bootEnd + 512 * 1024 + 0x3FFFFF) & ~0x3FFFFFUL;
        }

        // Reads start_info only; nothing can fail here. Start() does the work.
        public XenFrames(StartInfo* si, ulong virtBase, IMmuOps mmu, IGuestMemory mem)
        {
            this.mmu = mmu;
            this.mem = mem;
            this.virtBase = virtBase;
            nrPages = si->nr_pages;
            bootP2mVa = si->mfn_list;
            ptBase = si->pt_base;
            BootMapping(si, out bootEnd, out mapEnd);
        }

        public FrameLayout Layout { get { return lay; } }
        public ulong HeapBase { get { return lay.HeapBase; } }
        public ulong BootPages { get { return nrPages; } }

        public byte* Reserve(ulong bytes)
        {
            bytes = (bytes + 0x1FFFFF) & ~0x1FFFFFUL;
            if (!started || bytes == 0 || lay.HeapTop - reserveNext < bytes) return null;
            ulong va = reserveNext;
            reserveNext += bytes;
            return (byte*)va;
        }

        private bool InReservation(ulong va, ulong end)
        {
            return started && va >= lay.HeapBase && end <= reserveNext && end >= va && (va & 4095) == 0;
        }

        // Maps [p, p+bytes) (page aligned, inside a reservation) and zeroes it.
        public bool Commit(byte* p, ulong bytes) { return Commit(p, bytes, true); }

        // zero = false leaves the frames as they are (Xen-scrubbed, or our own old data): for
        // memory the caller writes before reading (the Lisp heap's nursery and old space; zeroing
        // every page cost ~1,500 instructions a page at boot, emulated under TCG: issue 20).
        public bool Commit(byte* p, ulong bytes, bool zero)
        {
            ulong va = (ulong)p, end = va + ((bytes + 4095) & ~4095UL);
            if (!InReservation(va, end)) return false;
            for (ulong v = va; v < end; v += 4096)
            {
                ulong ma;
                ulong pte = L1Entry(v, true, out ma);
                if (ma == 0) { FlushBatch(); return false; }
                if ((pte & 1) != 0) continue;
                ulong pfn;
                bool dirty;
                if (!TakeFree(out pfn, out dirty)) { FlushBatch(); LastError = XenError.ENOMEM; return false; }
                if (!Queue(ma, (P2m(pfn) << 12) | PteData)) return false;
                FramesMapped++;
            }
            if (!FlushBatch()) return false;
            // Free frames may hold old heap data (dirty) or whatever Xen gave: zero them all.
            if (zero) for (ulong z = va; z < end; z += 4096) mem.FillPage(z, 0);
            return true;
        }

        // Maps machine frames we do not take from our pool (grant-table frames from
        // GNTTABOP_setup_table, the xenstore or console page) at va, inside a reservation.
        // Unmapping them later is Decommit's job only if they came from us: do not.
        public bool MapMachineFrames(byte* p, ulong* mfns, int count, bool writable)
        {
            ulong va = (ulong)p, end = va + (ulong)count * 4096;
            if (count <= 0 || !InReservation(va, end)) return false;
            for (int i = 0; i < count; i++)
            {
                ulong ma;
                ulong pte = L1Entry(va + (ulong)i * 4096, true, out ma);
                if (ma == 0) { FlushBatch(); return false; }
                if ((pte & 1) != 0) { FlushBatch(); LastError = XenError.EEXIST; return false; }
                if (!Queue(ma, (mfns[i] << 12) | (writable ? PteData : PteReadOnly))) return false;
            }
            return FlushBatch();
        }

        // The machine frame mapped at p (a page Commit mapped, inside a reservation), or
        // InvalidMfn: what a driver grants a backend for a buffer it keeps for good.
        public ulong MachineFrameOf(byte* p)
        {
            ulong va = (ulong)p;
            if ((va & 4095) != 0 || !InReservation(va, va + 4096)) return InvalidMfn;
            ulong ma;
            ulong pte = L1Entry(va, false, out ma);
            if (ma == 0 || (pte & 1) == 0) return InvalidMfn;
            return (pte & MfnMask) >> 12;
        }

        // Unmaps [p, p+bytes); the frames stay ours as dirty free frames (zeroed before they
        // are ever returned to Xen). PTEs cleared, then the TLB flushed, then the frames freed.
        public bool Decommit(byte* p, ulong bytes)
        {
            ulong va = (ulong)p, end = va + ((bytes + 4095) & ~4095UL);
            if (!InReservation(va, end)) return false;
            int n = 0;
            for (ulong v = va; v < end; v += 4096)
            {
                ulong ma;
                ulong pte = L1Entry(v, false, out ma);
                if (ma == 0 || (pte & 1) == 0) continue;
                if (!Queue(ma, 0)) return false;
                FramesMapped--;
                ulong pfn = PfnOf((pte & MfnMask) >> 12);
                if (pfn == ulong.MaxValue) { LostFrames++; continue; }
                extentPfns[n++] = pfn;
                if (n == Batch) { if (!FreeUnmapped(n)) return false; n = 0; }
            }
            return FreeUnmapped(n);
        }

        // The unmapped frames in extentPfns[0..n) become free once no PTE or TLB entry maps them.
        private bool FreeUnmapped(int n)
        {
            if (!FlushBatch()) return false;
            XenError e = mmu.FlushTlbLocal();      // clear PTEs before flush before reuse
            if (e != XenError.Ok) { LastError = e; return false; }
            for (int i = 0; i < n; i++) PushFree(extentPfns[i], true);
            return true;
        }

        // MFN -> PFN through the M2P, trusted only when our P2M agrees.
        private ulong PfnOf(ulong mfn)
        {
            ulong pfn = mmu.MachineToPhys(mfn);
            if (pfn < lay.MaxFrames && P2m(pfn) == mfn) return pfn;
            return ulong.MaxValue;
        }
    }
}
