// Why: start of day for the frame allocator, in an order where every step has the frames it
// needs: read the domain's maximum (XENMEM_memory_map), lay out the address space for it,
// zero three frames of the boot mapping's slack through their boot VA (the window's L3 if
// missing, its L2, the scratch L1), unmap the slack (PTEs cleared, TLB flushed: from now on
// every free frame is unmapped), link those three, make the window's other L1 tables through
// the scratch slot, find or make the span's L3 tables, and take over the P2M: the builder's
// P2M frames are mapped again as the first pages of ours (no copy, nothing wasted), the
// rest of it is committed as PFNs are populated. On failure FailReason says why.
// Lab check (Xen 4.17): a 1,536 MiB guest boots and commits 287,085 frames to the Lisp heap.
namespace XenPv.Shim
{
    public unsafe sealed partial class XenFrames
    {
        private const int MapEntries = 8;

        /// <summary>Where MaxFrames came from: "memory_map", or "nr_pages" when Xen gave no
        /// usable map (the domain cannot grow past its boot size then).</summary>
        public string MaxSource = "none";
        public bool MaxClamped;

        private bool Fail(string why, XenError e)
        {
            FailReason = why;
            if (LastError == XenError.Ok) LastError = e;
            return false;
        }

        // The end of the highest RAM entry of XENMEM_memory_map, in frames; 0 if none.
        private ulong MemoryMapFrames()
        {
            E820Entry* e = stackalloc E820Entry[MapEntries];
            XenMemoryMap* m = stackalloc XenMemoryMap[1];
            m->nr_entries = MapEntries;
            m->buffer = (ulong)e;
            if (mmu.MemoryOp(XenMem.MemoryMap, m) != 0) return 0;
            uint n = m->nr_entries;
            if (n > MapEntries) n = MapEntries;
            ulong max = 0;
            for (uint i = 0; i < n; i++)
            {
                ulong addr = e[i].addr, size = e[i].size;
                if (e[i].type != E820Entry.Ram || addr + size < addr) continue;
                ulong end = (addr + size) / 4096;
                if (end > max) max = end;
            }
            return max;
        }

        /// <summary>The toolstack's memory/static-max (KiB), read later from xenstore, against
        /// the maximum the address space was laid out for: true when it fits.</summary>
        public bool AgreesWithStaticMax(ulong staticMaxKiB)
        {
            return started && staticMaxKiB / 4 <= lay.MaxFrames && staticMaxKiB / 4 >= nrPages;
        }

        public bool Start()
        {
            if (started) return true;
            ulong maxFrames = MemoryMapFrames();
            MaxSource = maxFrames != 0 ? "memory_map" : "nr_pages";
            if (maxFrames < nrPages) maxFrames = nrPages;
            if (maxFrames > FrameLayout.MaxSupportedFrames) { maxFrames = FrameLayout.MaxSupportedFrames; MaxClamped = true; }
            if (bootEnd <= virtBase || mapEnd < bootEnd || (bootP2mVa & 4095) != 0 || bootP2mVa < virtBase)
                return Fail("frames: start_info layout not understood", XenError.EINVAL);
            if (!FrameLayout.Compute(mapEnd, maxFrames, out lay))
                return Fail("frames: the domain's maximum does not fit the address space", XenError.E2BIG);
            // The heap's virtual base against the end of the boot mapping (and the layout's promise).
            if (lay.HeapBase < mapEnd || (lay.HeapBase & (FrameLayout.GiB - 1)) != 0)
                return Fail("frames: heap base inside the boot mapping", XenError.EINVAL);

            ulong bootEndPfn = (bootEnd - virtBase) / 4096, slackEnd = (mapEnd - virtBase) / 4096;
            if (slackEnd > nrPages) slackEnd = nrPages;
            l4Mfn = BootP2m((ptBase - virtBase) / 4096);
            cleanLo = bootEndPfn;
            cleanHi = nrPages;

            ulong wIdx4 = lay.WindowBase >> 39, wIdx3 = (lay.WindowBase >> 30) & 511;
            ulong e4 = mem.Read(ptBase + wIdx4 * 8);
            bool makeL3 = (e4 & 1) == 0;
            ulong need = makeL3 ? 3UL : 2UL;
            if (slackEnd < bootEndPfn + need) return Fail("frames: domain too small (no free frame in the boot mapping)", XenError.ENOMEM);
            ulong wl3Mfn = 0, wl2Mfn, scratchMfn;
            if (!makeL3)
            {
                wl3Mfn = (e4 & MfnMask) >> 12;
                ulong wl3Va = BootTableVa(wl3Mfn);
                if (wl3Va == 0 || (mem.Read(wl3Va + wIdx3 * 8) & 1) != 0)
                    return Fail("frames: boot page tables reach the table window", XenError.EEXIST);
            }
            // Bootstrap frames, zeroed while the boot mapping still maps them.
            ulong firstPfn = cleanLo;
            for (ulong k = 0; k < need; k++) mem.FillPage(virtBase + (cleanLo + k) * 4096, 0);
            cleanLo += need;
            if (makeL3) wl3Mfn = BootP2m(firstPfn + 2);
            wl2Mfn = BootP2m(firstPfn);
            scratchMfn = BootP2m(firstPfn + 1);

            // The slack leaves the boot mapping: no free frame is mapped anywhere after this.
            for (ulong pfn = bootEndPfn; pfn < slackEnd; pfn++)
            {
                ulong ma = BootL1EntryMa(virtBase + pfn * 4096);
                if (ma == 0) return Fail("frames: boot mapping not found in the boot page tables", XenError.EINVAL);
                if (!Queue(ma, 0)) return Fail("frames: unmapping the boot slack failed", LastError);
            }
            if (!FlushBatch()) return Fail("frames: unmapping the boot slack failed", LastError);
            XenError fe = mmu.FlushTlbLocal();                   // slack PTEs cleared before the frames become tables
            if (fe != XenError.Ok) return Fail("frames: TLB flush failed", fe);

            windowL1Mfn = new ulong[lay.WindowL1Count];
            windowL1Pfn = new ulong[lay.WindowL1Count];         // for a suspend (XenFrames.Suspend.cs)
            ulong scratchL1 = lay.ScratchFirst / 512;
            windowL1Mfn[scratchL1] = scratchMfn;
            if (makeL3) Queue((l4Mfn << 12) + wIdx4 * 8, (wl3Mfn << 12) | PteTable);
            Queue((wl3Mfn << 12) + wIdx3 * 8, (wl2Mfn << 12) | PteTable);
            Queue((wl2Mfn << 12) + scratchL1 * 8, (scratchMfn << 12) | PteTable);
            if (!FlushBatch()) return Fail("frames: linking the table window failed", LastError);
            MetaFrames += need;
            for (ulong k = 0; k < lay.WindowL1Count; k++)
                if (k != scratchL1 && !NewTable((wl2Mfn << 12) + k * 8, ulong.MaxValue, out windowL1Mfn[k]))
                    return Fail("frames: no frames for the table window", LastError);

            // The span's L3 tables: the builder's (read through the boot mapping), the window's
            // own (made above, now shown in its slot), or new ones.
            l3Mfn = new ulong[lay.L3Slots];
            l3Va = new ulong[lay.L3Slots];
            l3Pfn = new ulong[lay.L3Slots];
            for (ulong j = 0; j < lay.L3Slots; j++)
            {
                ulong idx = lay.L4First + j, slot = lay.Slot(3, idx << 39);
                ulong e = mem.Read(ptBase + idx * 8);
                if ((e & 1) != 0 && !(makeL3 && idx == wIdx4))
                {
                    l3Mfn[j] = (e & MfnMask) >> 12;
                    l3Va[j] = BootTableVa(l3Mfn[j]);
                    if (l3Va[j] == 0) return Fail("frames: boot L3 table not in the boot region", XenError.EINVAL);
                    for (ulong g = lay.HeapBase >> 30; g < lay.SpanEnd >> 30; g++)
                        if ((g >> 9) == idx && (mem.Read(l3Va[j] + (g & 511) * 8) & 1) != 0)
                            return Fail("frames: boot page tables reach the heap's address space", XenError.EEXIST);
                    continue;
                }
                if ((e & 1) != 0)
                {
                    l3Mfn[j] = wl3Mfn;
                    Queue(WindowEntryMa(slot), (wl3Mfn << 12) | PteReadOnly);
                    if (!FlushBatch()) return Fail("frames: mapping the window's L3 failed", LastError);
                }
                else if (!NewTable((l4Mfn << 12) + idx * 8, slot, out l3Mfn[j]))
                    return Fail("frames: no frames for an L3 table", LastError);
                l3Va[j] = lay.SlotVa(slot);
            }

            // Our P2M: the builder's P2M frames become its first pages.
            ulong bootP2mPages = (nrPages * 8 + 4095) / 4096, bootP2mPfn = (bootP2mVa - virtBase) / 4096;
            for (ulong i = 0; i < bootP2mPages; i++)
            {
                ulong ma;
                L1Entry(lay.P2mBase + i * 4096, true, out ma);
                if (ma == 0 || !Queue(ma, (BootP2m(bootP2mPfn + i) << 12) | PteData))
                    return Fail("frames: mapping the P2M failed", LastError);
            }
            if (!FlushBatch()) return Fail("frames: mapping the P2M failed", LastError);
            p2mPages = bootP2mPages;
            p2mOurs = true;
            for (ulong pfn = nrPages; pfn < p2mPages * 512; pfn++) SetP2m(pfn, InvalidMfn);
            // Save/restore finds this P2M through the lists PublishP2m writes once shared_info
            // is mapped (XenFrames.P2mList.cs): every entry up to max_pfn is an MFN or INVALID.
            // L1 tables for the rest of the P2M and the stacks, so committing their pages later
            // never needs a second frame.
            for (ulong v = lay.P2mBase; v < lay.StackBase + lay.StackBytes; v += FrameLayout.TwoMiB)
            {
                ulong ma;
                L1Entry(v, true, out ma);
                if (ma == 0) return Fail("frames: no frames for the P2M's page tables", LastError);
            }
            nextNewPfn = nrPages;
            stacksReady = true;
            reserveNext = lay.HeapBase;
            started = true;
            return true;
        }
    }
}
