// Why: the only two ways frames move between the domain and Xen (IBalloonFrames), in
// batches of up to 512 extents per hypercall. Returning: free frames that were ever mapped
// are zeroed first (Xen does not scrub frames a running domain gives back), through scratch
// mappings that are cleared and flushed from the TLB BEFORE decrease_reservation; frames
// Xen does not take stay free. Populating: holes left by returned frames first, then new
// PFNs up to MaxFrames; whatever Xen grants is kept, never more than asked.
// Lab check (Xen 4.17 under TCG, memory=64 maxmem=256, a throwaway hook moving frames to
// each memory/target): owned 16,384 -> 65,536 -> 12,288 -> 51,200 -> 12,288 frames, equal to
// XENMEM_current_reservation every time, `xl list` 64/256/48/200/48 MiB, nothing lost;
// populating 49,152 frames took 0.69 s, returning 53,248 took 0.25 s.
namespace XenPv.Shim
{
    public unsafe sealed partial class XenFrames
    {
        private ulong returnedTotal, populatedTotal;

        public ulong MaxFrames { get { return lay.MaxFrames; } }
        public ulong OwnedFrames { get { return nrPages - returnedTotal + populatedTotal; } }
        public ulong FramesReturnedTotal { get { return returnedTotal; } }
        public ulong FramesPopulatedTotal { get { return populatedTotal; } }

        public long CurrentReservation()
        {
            ushort* domid = stackalloc ushort[1];
            domid[0] = Hypercalls.DomidSelf;
            return mmu.MemoryOp(XenMem.CurrentReservation, domid);
        }

        private long Reservation(int cmd, int n)
        {
            XenMemoryReservation* r = stackalloc XenMemoryReservation[1];
            long done;
            fixed (ulong* e = extents)
            {
                r->extent_start = (ulong)e;
                r->nr_extents = (ulong)n;
                r->extent_order = 0;
                r->mem_flags = 0;
                r->domid = Hypercalls.DomidSelf;
                done = mmu.MemoryOp(cmd, r);
            }
            if (done < 0) { LastError = (XenError)done; return 0; }
            return done > n ? n : done;
        }

        public ulong ReleaseFreeFrames(ulong count)
        {
            if (!started || Frozen) return 0;
            ulong total = 0;
            while (total < count)
            {
                ulong want = count - total;
                if (want > Batch) want = Batch;
                if (want > FreeFrames) want = FreeFrames;
                if (want == 0 || !EnsureReturnedRoom(want)) break;
                if (want > FreeFrames) want = FreeFrames;     // a stack page may have taken one
                int n = 0, dirty = 0;
                for (; n < (int)want; n++)
                {
                    ulong pfn;
                    bool d;
                    TakeFreeToReturn(out pfn, out d);
                    extentPfns[n] = pfn;
                    extents[n] = P2m(pfn);
                    extentDirty[n] = d;
                    if (d) Queue(ScratchMa(dirty++), (extents[n] << 12) | PteData);
                }
                if (dirty > 0 && !ZeroDirty(n, dirty)) { PutBack(0, n); break; }
                int done = (int)Reservation(XenMem.DecreaseReservation, n);
                for (int i = 0; i < done; i++) { SetP2m(extentPfns[i], InvalidMfn); PushReturned(extentPfns[i]); }
                PutBack(done, n);                 // Xen stops at the first extent it refuses
                returnedTotal += (ulong)done;
                total += (ulong)done;
                if (done < n) { if (LastError == XenError.Ok) LastError = XenError.EBUSY; break; }
            }
            return total;
        }

        // The scratch mappings for the dirty frames among extents[0..n) are queued: map them,
        // flush stale scratch entries, zero, clear the mappings, flush again.
        private bool ZeroDirty(int n, int dirty)
        {
            if (!FlushBatch()) return false;
            XenError e = mmu.FlushTlbLocal();               // scratch slots may hold old entries
            if (e != XenError.Ok) { LastError = e; return false; }
            for (int k = 0; k < dirty; k++) mem.FillPage(lay.ScratchVa(k), 0);
            for (int k = 0; k < dirty; k++) Queue(ScratchMa(k), 0);
            if (!FlushBatch()) return false;
            e = mmu.FlushTlbLocal();                        // PTEs cleared, then flushed, then released
            if (e != XenError.Ok) { LastError = e; return false; }
            for (int i = 0; i < n; i++) extentDirty[i] = false;
            return true;
        }

        // Frames extentPfns[from..n) stay ours: free again (clean once zeroed).
        private void PutBack(int from, int n)
        {
            for (int i = from; i < n; i++) PushFree(extentPfns[i], extentDirty[i]);
        }

        public ulong PopulateFrames(ulong count)
        {
            if (!started || Frozen) return 0;
            ulong total = 0;
            while (total < count)
            {
                ulong want = count - total;
                if (want > Batch) want = Batch;
                ulong fromHoles = retTop < want ? retTop : want;
                ulong fresh = want - fromHoles;
                if (fresh > lay.MaxFrames - nextNewPfn) fresh = lay.MaxFrames - nextNewPfn;
                int n = (int)(fromHoles + fresh);
                if (n == 0) break;
                for (int i = 0; i < n; i++)
                {
                    ulong pfn = (ulong)i < fromHoles ? PeekReturned((ulong)i) : nextNewPfn + ((ulong)i - fromHoles);
                    extentPfns[i] = pfn;
                    extents[i] = pfn;                       // GPFN in, MFN out
                }
                int done = (int)Reservation(XenMem.PopulatePhysmap, n);
                // Xen fills in order: the first `done` holes and fresh PFNs are now frames.
                ulong holesDone = (ulong)done < fromHoles ? (ulong)done : fromHoles;
                retTop -= holesDone;
                nextNewPfn += (ulong)done - holesDone;
                for (int i = 0; i < done; i++)
                {
                    ulong pfn = extentPfns[i], mfn = extents[i];
                    bool inHand;
                    if (!EnsureP2mPage(pfn, mfn, out inHand)) { LostFrames++; continue; }
                    SetP2m(pfn, mfn);
                    if (!inHand) PushFree(pfn, false);      // Xen hands out scrubbed frames
                }
                populatedTotal += (ulong)done;
                total += (ulong)done;
                if (done < n) { if (LastError == XenError.Ok) LastError = XenError.ENOMEM; break; }
            }
            return total;
        }
    }
}
