// Why: what the frame allocator does around a suspend (XenSuspend.cs). While a save or a
// migration runs the balloon must not move frames (libxc read the P2M once): Frozen stops
// ReleaseFreeFrames and PopulateFrames. Machine frames that are not ours (grant-table frames)
// must be unmapped before the save or it fails with "Bad mfn": UnmapMachineFrames. A restore
// gives every PFN a new MFN and rewrites our page tables and P2M (PFN -> new MFN), but the
// MFNs cached here (L4, L3s, the window's L1s) go stale: PrepareSuspend notes their PFNs,
// RefreshAfterResume looks the new MFNs up in the (rewritten) P2M.
namespace XenPv.Shim
{
    public unsafe sealed partial class XenFrames
    {
        /// <summary>While true no frame moves to or from Xen (a save or migration is running).</summary>
        public bool Frozen;

        private ulong l4Pfn;
        private ulong[] l3Pfn, windowL1Pfn;              // made at Start, as long as l3Mfn / windowL1Mfn
        private bool tablesNoted;                        // PrepareSuspend found every PFN

        /// <summary>Clears the PTEs of count pages at p that MapMachineFrames mapped (frames
        /// that are not ours), then flushes the TLB. The frames are not freed: not ours.</summary>
        public bool UnmapMachineFrames(byte* p, int count)
        {
            ulong va = (ulong)p, end = va + (ulong)count * 4096;
            if (count <= 0 || !InReservation(va, end)) return false;
            for (int i = 0; i < count; i++)
            {
                ulong ma;
                ulong pte = L1Entry(va + (ulong)i * 4096, false, out ma);
                if (ma == 0 || (pte & 1) == 0) continue;
                if (!Queue(ma, 0)) return false;
            }
            if (!FlushBatch()) return false;
            XenError e = mmu.FlushTlbLocal();      // PTEs cleared before the toolstack looks at the tables
            if (e != XenError.Ok) { LastError = e; return false; }
            return true;
        }

        /// <summary>The PFN of one of our frames (M2P, trusted only when our P2M agrees), or
        /// ulong.MaxValue.</summary>
        public ulong PhysOfMachine(ulong mfn) { return PfnOf(mfn); }

        /// <summary>Notes the PFN of every page table whose MFN is cached. False (suspend
        /// refused) when one is not found in the P2M.</summary>
        public bool PrepareSuspend()
        {
            if (!started) return false;
            if (!FlushBatch()) return false;
            if ((l4Pfn = TablePfn(l4Mfn)) == ulong.MaxValue) return false;
            for (int j = 0; j < l3Mfn.Length; j++)
                if ((l3Pfn[j] = TablePfn(l3Mfn[j])) == ulong.MaxValue) return false;
            for (int k = 0; k < windowL1Mfn.Length; k++)
                if ((windowL1Pfn[k] = TablePfn(windowL1Mfn[k])) == ulong.MaxValue) return false;
            tablesNoted = true;
            return true;
        }

        // A page table's PFN: the M2P's answer, checked against our P2M.
        private ulong TablePfn(ulong mfn)
        {
            ulong pfn = mmu.MachineToPhys(mfn);
            return pfn < p2mPages * P2mPerPage && P2m(pfn) == mfn ? pfn : ulong.MaxValue;
        }

        /// <summary>After a resume in a new domain: the cached page-table MFNs from the P2M
        /// the toolstack rewrote. False when one is missing (the guest cannot go on safely).</summary>
        public bool RefreshAfterResume()
        {
            if (!tablesNoted) return false;
            cachedRegion = ulong.MaxValue;          // cachedL1Mfn is stale too
            batchCount = 0;
            if ((l4Mfn = P2m(l4Pfn)) == InvalidMfn) return false;
            for (int j = 0; j < l3Mfn.Length; j++)
                if ((l3Mfn[j] = P2m(l3Pfn[j])) == InvalidMfn) return false;
            for (int k = 0; k < windowL1Mfn.Length; k++)
                if ((windowL1Mfn[k] = P2m(windowL1Pfn[k])) == InvalidMfn) return false;
            return true;
        }

        /// <summary>For tests: what a restore does to the cache (every cached MFN stale).</summary>
        public void ForgetCachedTablesForTest()
        {
            cachedRegion = ulong.MaxValue;
            l4Mfn = 0;
            for (int j = 0; j < l3Mfn.Length; j++) l3Mfn[j] = 0;
            for (int k = 0; k < windowL1Mfn.Length; k++) windowL1Mfn[k] = 0;
        }
    }
}
