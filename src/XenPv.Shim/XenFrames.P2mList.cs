// Why: `xl save` and `xl migrate` find a PV guest's memory through its P2M, and libxc reads
// it through a 3-level tree the guest publishes in shared_info (xg_sr_save_x86_pv.c,
// map_p2m_tree): arch.max_pfn = the number of P2M entries, arch.pfn_to_mfn_frame_list_list
// = the MFN of a page listing the MFNs of "frame list" pages, which list the MFNs of the P2M
// pages. Every listed MFN must be non-zero and one of ours (its M2P entry below max_pfn);
// every P2M entry below max_pfn must be an MFN or INVALID (a hole: "ballooned"). We publish
// exactly one P2M (ours, at lay.P2mBase) with max_pfn = its committed pages * 512, and keep
// the lists current when the balloon adds a P2M page. A restore clears the field: Republish.
// The list pages are committed once, for the domain's maximum (1 + MaxFrames/2^18 pages).
using System.Threading;

namespace XenPv.Shim
{
    public unsafe sealed partial class XenFrames
    {
        public const int P2mPerPage = 512;                 // u64 entries in one page
        private SharedInfo* p2mShared;                     // where the lists are published, or null
        private ulong fllVa, flVa;                         // the frame list list page, then the frame lists
        private ulong flPages;                             // frame list pages committed

        /// <summary>True once PublishP2m succeeded.</summary>
        public bool P2mPublished { get { return p2mShared != null; } }
        /// <summary>P2M entries published as arch.max_pfn.</summary>
        public ulong PublishedMaxPfn { get { return p2mPages * P2mPerPage; } }

        /// <summary>The MFN of the frame list list page (0 before PublishP2m).</summary>
        public ulong FrameListListMfn { get { return fllVa == 0 ? 0 : MachineFrameOf((byte*)fllVa); } }

        /// <summary>Commits the list pages (sized for MaxFrames) and publishes the P2M in
        /// shared_info. At boot, once shared_info is mapped. False when no frames were left.</summary>
        public bool PublishP2m(SharedInfo* shared)
        {
            if (!started || shared == null) return false;
            if (fllVa == 0)
            {
                ulong maxP2mPages = (lay.MaxFrames + P2mPerPage - 1) / P2mPerPage;
                ulong need = (maxP2mPages + P2mPerPage - 1) / P2mPerPage;
                if (need == 0 || need > P2mPerPage) { LastError = XenError.E2BIG; return false; }
                byte* region = Reserve((need + 1) * 4096);
                if (region == null || !Commit(region, (need + 1) * 4096)) return false;
                FramesMapped -= need + 1;                  // list pages: metadata, not heap
                MetaFrames += need + 1;
                fllVa = (ulong)region;
                flVa = fllVa + 4096;
                flPages = need;
            }
            p2mShared = shared;
            return WriteP2mLists();
        }

        /// <summary>After a resume in a new domain: every MFN in the lists changed and the
        /// toolstack cleared the published field. Rewrites both (shared_info mapped again).</summary>
        public bool RepublishP2m(SharedInfo* shared)
        {
            if (fllVa == 0) return false;
            p2mShared = shared;
            return WriteP2mLists();
        }

        private bool WriteP2mLists()
        {
            for (ulong i = 0; i < p2mPages; i++)
            {
                ulong mfn = P2mPageMfn(i);
                if (mfn == InvalidMfn) { LastError = XenError.EINVAL; return false; }
                mem.Write(flVa + i * 8, mfn);
            }
            for (ulong j = 0; j < flPages; j++)
            {
                ulong mfn = MachineFrameOf((byte*)(flVa + j * 4096));
                if (mfn == InvalidMfn) { LastError = XenError.EINVAL; return false; }
                mem.Write(fllVa + j * 8, mfn);
            }
            ulong fll = MachineFrameOf((byte*)fllVa);
            if (fll == InvalidMfn) { LastError = XenError.EINVAL; return false; }
            Interlocked.MemoryBarrier(); // write every list entry before the toolstack can find the lists
            p2mShared->arch_p2m_cr3 = 0;
            p2mShared->arch_pfn_to_mfn_frame_list_list = fll;
            p2mShared->arch_max_pfn = p2mPages * P2mPerPage;
            return true;
        }

        // The MFN of P2M page i, from its PTE (InvalidMfn when unmapped).
        private ulong P2mPageMfn(ulong i)
        {
            ulong ma;
            ulong pte = L1Entry(lay.P2mBase + i * 4096, false, out ma);
            if (ma == 0 || (pte & 1) == 0) return InvalidMfn;
            return (pte & MfnMask) >> 12;
        }

        // EnsureP2mPage mapped P2M page i (filled with InvalidMfn): list it, then publish the
        // larger count.
        private void P2mPageAdded(ulong i)
        {
            if (p2mShared == null || i / P2mPerPage >= flPages) return;
            mem.Write(flVa + i * 8, P2mPageMfn(i));
            Interlocked.MemoryBarrier(); // list the new P2M page before max_pfn covers it
            p2mShared->arch_max_pfn = p2mPages * P2mPerPage;
        }
    }
}
