// Why: the balloon driver (Balloon.cs) moves frames between the domain and Xen; XenFrames
// owns the frames and the P2M. This is the contract between the two, so the policy can be
// unit-tested against a fake and the frame allocator against the fake MMU, each on its own.
// Vocabulary: a *free* frame is one the domain owns that nothing maps (not the heap, not a
// page table); a *returned* frame went back to Xen (its PFN is a hole in the P2M until it
// is populated again). Counts are 4 KiB frames.
namespace XenPv.Shim
{
    public interface IBalloonFrames
    {
        /// <summary>Frames the domain holds by our own count: the boot nr_pages, less what was
        /// returned, plus what was populated.</summary>
        ulong OwnedFrames { get; }
        /// <summary>The domain's maximum (from XENMEM_memory_map / memory/static-max): the P2M
        /// and the heap's address space are sized for it.</summary>
        ulong MaxFrames { get; }
        /// <summary>Owned frames that nothing maps: they can be returned without a collection.</summary>
        ulong FreeFrames { get; }
        /// <summary>Returns up to `count` free frames to Xen: each is zeroed if it was ever
        /// mapped (Xen does not scrub frames a running domain gives back), has no mapping left
        /// (PTE cleared and TLB flushed first), then goes back with batched
        /// XENMEM_decrease_reservation. Returns how many went back.</summary>
        ulong ReleaseFreeFrames(ulong count);
        /// <summary>Asks Xen for up to `count` frames (batched XENMEM_populate_physmap into
        /// returned PFNs, then PFNs past the boot ones up to MaxFrames; partial success kept).
        /// They become free frames. Returns how many were obtained.</summary>
        ulong PopulateFrames(ulong count);
        /// <summary>Totals since boot, for (room) and the leak check.</summary>
        ulong FramesReturnedTotal { get; }
        ulong FramesPopulatedTotal { get; }
        /// <summary>XENMEM_current_reservation for DOMID_SELF (what the toolstack counts,
        /// page tables and P2M included), or a negative error.</summary>
        long CurrentReservation();
    }
}
