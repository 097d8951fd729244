// Why: which frames are free and which PFNs are holes, without any boot array sized by the
// guest's memory. Free frames: the "clean" range of boot PFNs never mapped [cleanLo,
// cleanHi), plus a stack of PFNs (bit 31 = dirty: mapped once, zero before returning it).
// Returned PFNs (holes in the P2M, p2m = INVALID) sit on a second stack growing down from
// the end of the same region; PFNs from nextNewPfn to MaxFrames were never populated. The
// stack region is committed a page at a time on demand: a push that needs a page uses the
// frame being pushed as that page, so pushing never needs a frame it does not have.
namespace XenPv.Shim
{
    public unsafe sealed partial class XenFrames
    {
        private const uint DirtyBit = 1u << 31;
        private ulong cleanLo, cleanHi;            // boot PFNs never mapped
        private ulong freeTop, freeDirty;          // entries on the free stack, dirty among them
        private ulong freePages, retPages;         // stack pages committed from the start / the end
        private ulong retTop;                      // entries on the returned stack
        private ulong p2mPages;                    // P2M pages mapped at lay.P2mBase
        private bool p2mOurs, stacksReady;
        private ulong nextNewPfn;                  // first PFN past everything ever populated

        public ulong FreeFrames { get { return (cleanHi - cleanLo) + freeTop; } }
        /// <summary>Free frames never mapped since Xen gave them (no zeroing to return them).</summary>
        public ulong CleanFreeFrames { get { return (cleanHi - cleanLo) + freeTop - freeDirty; } }
        public ulong DirtyFreeFrames { get { return freeDirty; } }
        /// <summary>PFNs whose frames went back to Xen and were not populated again.</summary>
        public ulong ReturnedPfns { get { return retTop; } }

        private ulong BootP2m(ulong pfn) { return pfn < nrPages ? mem.Read(bootP2mVa + pfn * 8) : InvalidMfn; }

        // PFN -> MFN (InvalidMfn for a hole or past the committed P2M).
        public ulong P2m(ulong pfn)
        {
            if (!p2mOurs) return BootP2m(pfn);
            return pfn < p2mPages * 512 ? mem.Read(lay.P2mBase + pfn * 8) : InvalidMfn;
        }

        private void SetP2m(ulong pfn, ulong mfn) { mem.Write(lay.P2mBase + pfn * 8, mfn); }

        // Maps the frame of pfn at va (a page of the P2M or stack region, whose L1 exists).
        private bool MapMetaPage(ulong va, ulong pfn)
        {
            ulong ma;
            L1Entry(va, false, out ma);
            if (ma == 0 || !Queue(ma, (P2m(pfn) << 12) | PteData) || !FlushBatch()) { LostFrames++; return false; }
            MetaFrames++;
            return true;
        }

        private ulong StackPages { get { return lay.StackBytes / 4096; } }
        private bool StackPageCommitted(ulong page) { return page < freePages || page >= StackPages - retPages; }

        private void PushFree(ulong pfn, bool dirty)
        {
            if (!stacksReady) { LostFrames++; return; }
            ulong page = freeTop / 1024;
            if (!StackPageCommitted(page))
            {
                // The frame itself becomes the stack page (its old contents never leave us).
                if (MapMetaPage(lay.StackBase + page * 4096, pfn)) freePages = page + 1;
                return;
            }
            if (page >= freePages) freePages = page + 1;
            mem.Write32(lay.StackBase + freeTop * 4, (uint)pfn | (dirty ? DirtyBit : 0));
            freeTop++;
            if (dirty) freeDirty++;
        }

        private void PopFree(out ulong pfn, out bool dirty)
        {
            freeTop--;
            uint e = mem.Read32(lay.StackBase + freeTop * 4);
            dirty = (e & DirtyBit) != 0;
            if (dirty) freeDirty--;
            pfn = e & ~DirtyBit;
        }

        // A free frame for mapping: reuse the stack first (recently used), then clean frames.
        private bool TakeFree(out ulong pfn, out bool dirty)
        {
            if (freeTop > 0) { PopFree(out pfn, out dirty); return true; }
            dirty = false;
            if (cleanLo < cleanHi) { pfn = cleanLo++; return true; }
            pfn = 0;
            return false;
        }

        // A free frame to give back: clean ones first (nothing to zero).
        private bool TakeFreeToReturn(out ulong pfn, out bool dirty)
        {
            dirty = false;
            if (cleanLo < cleanHi) { pfn = --cleanHi; return true; }
            if (freeTop > 0) { PopFree(out pfn, out dirty); return true; }
            pfn = 0;
            return false;
        }

        private ulong ReturnedEntryVa(ulong j) { return lay.StackBase + lay.StackBytes - (j + 1) * 4; }

        // Commits the stack pages the returned stack needs for n more entries (frames from the pool).
        private bool EnsureReturnedRoom(ulong n)
        {
            if (n == 0) return true;
            ulong lastPe = (retTop + n - 1) / 1024;      // page index counted from the end
            for (ulong pe = retPages; pe <= lastPe; pe++)
            {
                ulong page = StackPages - 1 - pe;
                if (page >= freePages)
                {
                    ulong pfn;
                    bool dirty;
                    if (!TakeFree(out pfn, out dirty)) { LastError = XenError.ENOMEM; return false; }
                    if (!MapMetaPage(lay.StackBase + page * 4096, pfn)) return false;
                }
                retPages = pe + 1;
            }
            return true;
        }

        private void PushReturned(ulong pfn) { mem.Write32(ReturnedEntryVa(retTop), (uint)pfn); retTop++; }
        private ulong PeekReturned(ulong i) { return mem.Read32(ReturnedEntryVa(retTop - 1 - i)); }

        // Makes sure the P2M page holding pfn is mapped, filled with InvalidMfn: a free frame,
        // or else the frame (inHandPfn, inHandMfn) just populated, which then holds the page.
        // Returns false when no frame was available (the caller keeps the in-hand frame).
        private bool EnsureP2mPage(ulong pfn, ulong inHandMfn, out bool usedInHand)
        {
            usedInHand = false;
            while (p2mPages <= pfn / 512)
            {
                ulong va = lay.P2mBase + p2mPages * 4096, ma, mfn, fp;
                bool dirty;
                L1Entry(va, false, out ma);
                if (ma == 0) return false;
                if (TakeFree(out fp, out dirty)) mfn = P2m(fp);
                else if (!usedInHand) { mfn = inHandMfn; usedInHand = true; }
                else return false;
                if (!Queue(ma, (mfn << 12) | PteData) || !FlushBatch()) return false;
                mem.FillPage(va, InvalidMfn);
                p2mPages++;
                MetaFrames++;
                P2mPageAdded(p2mPages - 1);
            }
            return true;
        }
    }
}
