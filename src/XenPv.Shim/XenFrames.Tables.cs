// Why: page tables for the span (heap, P2M, stacks) come from the general frame pool. Each
// new table is zeroed through a scratch mapping, then in one mmu_update batch the scratch
// PTE is cleared (Xen accepts a frame as a page table only when nothing maps it writable),
// the frame is mapped read-only at its table-window slot and linked into its parent. The
// slot follows from the VA the table serves (FrameLayout.Slot), so finding a table needs
// no search; the only MFN -> VA lookups left are for the builder's boot tables (M2P,
// checked against the P2M).
namespace XenPv.Shim
{
    public unsafe sealed partial class XenFrames
    {
        private ulong l4Mfn;
        private ulong[] l3Mfn, l3Va;           // per L4 index of the span: made or found at boot
        private ulong[] windowL1Mfn;           // the window's own L1 tables, made at boot
        private ulong cachedRegion = ulong.MaxValue, cachedL1Mfn, cachedL1Va;

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

        private ulong WindowEntryMa(ulong slot) { return (windowL1Mfn[slot / 512] << 12) + (slot % 512) * 8; }
        private ulong ScratchMa(int i) { return WindowEntryMa(lay.ScratchFirst + (ulong)i); }

        // Maps mfn writable at scratch slot 0 (dropping any stale TLB entry) and zeroes it.
        private bool ZeroThroughScratch(ulong mfn)
        {
            ulong va = lay.ScratchVa(0);
            XenError e = mmu.UpdateVaMapping(va, (mfn << 12) | PteData, Hypercalls.UvmfInvlpg);
            if (e != XenError.Ok) { LastError = e; return false; }
            mem.FillPage(va, 0);
            return true;
        }

        // A zeroed table linked at parentMa, mapped read-only at window slot `slot` (or nowhere
        // when slot is ulong.MaxValue: the window's own tables are never read).
        private bool NewTable(ulong parentMa, ulong slot, out ulong mfn)
        {
            mfn = 0;
            ulong pfn;
            bool dirty;
            if (!FlushBatch()) return false;
            if (!TakeFree(out pfn, out dirty)) { LastError = XenError.ENOMEM; return false; }
            ulong m = P2m(pfn);
            if (!ZeroThroughScratch(m)) { PushFree(pfn, true); return false; }
            Queue(ScratchMa(0), 0);                                       // no writable mapping left...
            if (slot != ulong.MaxValue) Queue(WindowEntryMa(slot), (m << 12) | PteReadOnly);
            Queue(parentMa, (m << 12) | PteTable);                       // ...before Xen types it a table
            if (!FlushBatch()) return false;
            MetaFrames++;
            mfn = m;
            return true;
        }

        // The L1 entry for va (in the span): its value and machine address (ma = 0 when the
        // tables are absent and !create, or creating one failed).
        private ulong L1Entry(ulong va, bool create, out ulong ma)
        {
            ma = 0;
            ulong region = va >> 21;
            if (region != cachedRegion)
            {
                ulong k3 = (va >> 39) - lay.L4First;
                ulong i3 = (va >> 30) & 511, i2 = (va >> 21) & 511;
                ulong e3 = mem.Read(l3Va[k3] + i3 * 8), m2, m1;
                if ((e3 & 1) != 0) m2 = (e3 & MfnMask) >> 12;
                else if (!create || !NewTable((l3Mfn[k3] << 12) + i3 * 8, lay.Slot(2, va), out m2)) return 0;
                ulong l2Va = lay.SlotVa(lay.Slot(2, va));
                ulong e2 = mem.Read(l2Va + i2 * 8);
                if ((e2 & 1) != 0) m1 = (e2 & MfnMask) >> 12;
                else if (!create || !NewTable((m2 << 12) + i2 * 8, lay.Slot(1, va), out m1)) return 0;
                cachedRegion = region;
                cachedL1Mfn = m1;
                cachedL1Va = lay.SlotVa(lay.Slot(1, va));
            }
            ulong i1 = (va >> 12) & 511;
            ma = (cachedL1Mfn << 12) + i1 * 8;
            return mem.Read(cachedL1Va + i1 * 8);
        }

        // VA of one of the builder's page tables (readable in the boot mapping) from its MFN:
        // the M2P names the PFN, our view of the boot P2M must agree, and it must lie in the
        // boot region. 0 if not.
        private ulong BootTableVa(ulong mfn)
        {
            ulong pfn = mmu.MachineToPhys(mfn);
            if (pfn >= nrPages || BootP2m(pfn) != mfn) return 0;
            ulong va = virtBase + pfn * 4096;
            return va < bootEnd ? va : 0;
        }

        // Machine address of the boot L1 entry for va (in the boot mapping), or 0.
        private ulong BootL1EntryMa(ulong va)
        {
            ulong t = ptBase, e = 0;
            for (int level = 4; level >= 2; level--)
            {
                e = mem.Read(t + ((va >> (12 + 9 * (level - 1))) & 511) * 8);
                if ((e & 1) == 0 || (e & 0x80) != 0) return 0;          // absent or a superpage
                t = BootTableVa((e & MfnMask) >> 12);
                if (t == 0) return 0;
            }
            return (e & MfnMask) + ((va >> 12) & 511) * 8;
        }
    }
}
