// Why: the machine half of `xl save` / `xl migrate` for a PV guest (the devices' half is the
// platform's): what libxc's save and restore (xg_sr_save_x86_pv.c, xg_sr_restore_x86_pv.c)
// require of the guest at the moment it suspends. Forward, in order: stop the balloon and
// note the page tables' PFNs; unmap every frame that is not ours (grant-table frames, then
// shared_info), or the save fails with "Bad mfn"; rewrite start_info's xenstore and console
// MFNs as PFNs; SCHEDOP_shutdown(SHUTDOWN_suspend) with the start_info MFN in the third
// argument. It returns 1 when cancelled (`xl save -c`): undo exactly those steps. It returns
// 0 in a NEW domain (restore, migration): every MFN changed, so refresh the cached page-table
// MFNs from the rewritten P2M, map the new shared_info, republish the P2M lists (restore
// cleared them), set the grant table up again (empty: refs of ours are free). State is the
// step reached; a failure before the hypercall walks back and refuses the suspend.
// Vocabulary: MFN machine frame, PFN guest frame, MA machine address (MFN << 12).
using System.Threading;

namespace XenPv.Shim
{
    public enum SuspendOutcome { Resumed = 0, Cancelled = 1, Refused = 2, Broken = 3 }

    // The steps, in the order they are taken; undoing walks them back.
    public enum SuspendState
    {
        Running = 0,        // nothing done
        Frozen = 1,         // balloon stopped, page-table PFNs noted
        GrantsUnmapped = 2, // grant-table frames unmapped
        SharedUnmapped = 3, // shared_info unmapped
        StartInfoPfns = 4,  // start_info.store_mfn and console.domU.mfn hold PFNs
        InNewDomain = 5,    // the hypercall returned 0: resuming
        Broken = 6,         // resumed but a step failed: the guest cannot go on
    }

    // The hypercalls a suspend makes besides the frame allocator's (faked in tests).
    public unsafe interface ISuspendOps
    {
        // update_va_mapping(va, ma | P|RW|U|A); ma = 0 clears the mapping.
        XenError MapSharedInfo(ulong va, ulong machineAddress);
        // HYPERVISOR_suspend: 0 resumed in a new domain, 1 cancelled, < 0 refused.
        long Suspend(ulong startInfoMfn);
        // GNTTABOP_setup_table: the table's frames into mfns.
        XenError SetupGrantTable(uint nrFrames, ulong* mfns);
    }

    public unsafe sealed class XenSuspendOps : ISuspendOps
    {
        public XenError MapSharedInfo(ulong va, ulong ma)
        {
            return Hypercalls.UpdateVaMapping(va, ma == 0 ? 0 : ma | Hypercalls.PteDataRw, Hypercalls.UvmfInvlpg);
        }
        public long Suspend(ulong startInfoMfn) { return Hypercalls.SchedShutdownSuspend(startInfoMfn); }
        public XenError SetupGrantTable(uint nrFrames, ulong* mfns) { return GrantTable.SetupTable(nrFrames, mfns); }
    }

    public unsafe sealed class MachineSuspend
    {
        private readonly StartInfo* si;
        private readonly ulong startInfoPfn;
        private readonly SharedInfo* shared;
        private readonly ulong sharedVa;
        private readonly XenFrames frames;
        private readonly ISuspendOps ops;
        private GrantTable grants;                    // null until a driver sets one up
        private ulong savedShared, savedStore, savedConsole;

        public SuspendState State;
        public string FailReason;                     // why the last Run refused or broke
        public int Cancels, Resumes, Refusals;
        public ulong LastStartInfoMfn;                // what the hypercall was given

        // si: start_info (a page of the boot region, PFN startInfoPfn); shared: where
        // shared_info is mapped (VA sharedVa; the same address in the guest).
        public MachineSuspend(StartInfo* si, ulong startInfoPfn, SharedInfo* shared, ulong sharedVa,
            XenFrames frames, ISuspendOps ops)
        {
            this.si = si;
            this.startInfoPfn = startInfoPfn;
            this.shared = shared;
            this.sharedVa = sharedVa;
            this.frames = frames;
            this.ops = ops;
        }

        public void AttachGrants(GrantTable g) { grants = g; }

        /// <summary>Suspends; returns when running again (Resumed, Cancelled), or at once when
        /// the suspend could not start (Refused, State back at Running). Broken: resumed, but
        /// the machine state could not be rebuilt (FailReason says which step).</summary>
        public SuspendOutcome Run()
        {
            FailReason = null;
            if (State != SuspendState.Running) { FailReason = "suspend: already under way"; Refusals++; return SuspendOutcome.Refused; }
            if (si == null || shared == null || frames == null) return Refuse("suspend: no start_info, shared_info or frames");

            if (!frames.PrepareSuspend()) return Refuse("suspend: a page table is not in the P2M");
            frames.Frozen = true;
            State = SuspendState.Frozen;

            if (grants != null && !frames.UnmapMachineFrames(grants.TableVa, grants.Frames))
                return Refuse("suspend: unmapping the grant table failed");
            State = SuspendState.GrantsUnmapped;

            savedShared = si->shared_info;
            if (ops.MapSharedInfo(sharedVa, 0) != XenError.Ok) return Refuse("suspend: unmapping shared_info failed");
            State = SuspendState.SharedUnmapped;

            ulong storePfn = frames.PhysOfMachine(si->store_mfn), consolePfn = frames.PhysOfMachine(si->console_domU_mfn);
            ulong siMfn = frames.P2m(startInfoPfn);
            if (storePfn == ulong.MaxValue || consolePfn == ulong.MaxValue || siMfn == XenFrames.InvalidMfn)
                return Refuse("suspend: the xenstore, console or start_info page is not in the P2M");
            savedStore = si->store_mfn;
            savedConsole = si->console_domU_mfn;
            si->store_mfn = storePfn;
            si->console_domU_mfn = consolePfn;
            State = SuspendState.StartInfoPfns;

            LastStartInfoMfn = siMfn;
            Interlocked.MemoryBarrier(); // rewrite start_info before the toolstack reads it
            long rc = ops.Suspend(siMfn);
            if (rc == 0) return Resume();
            // 1: cancelled (xl save -c, or the save failed); < 0: Xen refused. Same domain either way.
            Undo();
            if (rc == 1) { Cancels++; return SuspendOutcome.Cancelled; }
            FailReason = "suspend: SCHEDOP_shutdown(suspend) refused";
            Refusals++;
            return SuspendOutcome.Refused;
        }

        private SuspendOutcome Refuse(string why)
        {
            FailReason = why;
            Undo();
            Refusals++;
            return SuspendOutcome.Refused;
        }

        // Walks the steps taken back to Running (same domain: the saved values are right).
        private void Undo()
        {
            if (State >= SuspendState.StartInfoPfns)
            {
                si->store_mfn = savedStore;
                si->console_domU_mfn = savedConsole;
            }
            if (State >= SuspendState.SharedUnmapped && ops.MapSharedInfo(sharedVa, savedShared) != XenError.Ok && FailReason == null)
                FailReason = "suspend cancelled: mapping shared_info again failed";
            if (State >= SuspendState.GrantsUnmapped && grants != null && !MapGrants() && FailReason == null)
                FailReason = "suspend cancelled: mapping the grant table again failed";
            frames.Frozen = false;
            State = SuspendState.Running;
        }

        // In the new domain: start_info holds new MFNs and ports, shared_info is a new frame.
        private SuspendOutcome Resume()
        {
            State = SuspendState.InNewDomain;
            if (!frames.RefreshAfterResume()) return Break("resume: a page table is missing from the P2M");
            if (ops.MapSharedInfo(sharedVa, si->shared_info) != XenError.Ok) return Break("resume: mapping shared_info failed");
            SharedInfo.Vcpu(shared, 0)->evtchn_upcall_mask = 1;      // we poll; no upcalls
            if (!frames.RepublishP2m(shared)) return Break("resume: republishing the P2M failed");
            if (grants != null)
            {
                if (!MapGrants()) return Break("resume: setting the grant table up again failed");
                grants.ResetAfterResume();
            }
            frames.Frozen = false;
            State = SuspendState.Running;
            Resumes++;
            return SuspendOutcome.Resumed;
        }

        private SuspendOutcome Break(string why)
        {
            FailReason = why;
            State = SuspendState.Broken;
            return SuspendOutcome.Broken;
        }

        // GNTTABOP_setup_table again (the same frames when cancelled, new ones after a
        // restore) and the frames mapped where the table was.
        private bool MapGrants()
        {
            int n = grants.Frames;
            if (n <= 0 || n > GrantTable.MaxSetupFrames) return false;
            ulong* mfns = stackalloc ulong[GrantTable.MaxSetupFrames];
            if (ops.SetupGrantTable((uint)n, mfns) != XenError.Ok) return false;
            return frames.MapMachineFrames(grants.TableVa, mfns, n, true);
        }
    }
}
