// Why: the MMU operations page-table code needs from Xen (update_va_mapping, batched
// mmu_update, local TLB flush, the read-only M2P table), behind an interface so the same
// code runs against a fake MMU in tests that enforces Xen's rules.
namespace XenPv.Shim
{
    public unsafe interface IMmuOps
    {
        XenError UpdateVaMapping(ulong va, ulong pte, ulong flags);
        XenError MmuUpdates(MmuUpdate* reqs, uint count, uint* done);
        XenError FlushTlbLocal();
        // M2P entry for mfn; may be garbage: callers check it against the P2M.
        ulong MachineToPhys(ulong mfn);
        // XENMEM_* with a xen_memory_reservation: extents done (>= 0) or -errno.
        long MemoryOp(int cmd, XenMemoryReservation* r);
    }

    public unsafe sealed class XenMmuOps : IMmuOps
    {
        // machine_to_phys_mapping: mapped read-only by Xen for PV guests at this VA (x86-64).
        public const ulong M2PVa = 0xFFFF800000000000UL;

        public XenError UpdateVaMapping(ulong va, ulong pte, ulong flags) { return Hypercalls.UpdateVaMapping(va, pte, flags); }
        public XenError MmuUpdates(MmuUpdate* reqs, uint count, uint* done) { return Hypercalls.MmuUpdates(reqs, count, done); }

        public XenError FlushTlbLocal()
        {
            MmuextOp* op = stackalloc MmuextOp[1];
            op->cmd = MmuextOp.TlbFlushLocal;
            op->arg1 = 0;
            op->arg2 = 0;
            uint done = 0;
            return Hypercalls.MmuextOp(op, 1, &done);
        }

        public ulong MachineToPhys(ulong mfn) { return ((ulong*)M2PVa)[mfn]; }

        public long MemoryOp(int cmd, XenMemoryReservation* r) { return Hypercalls.MemoryOp(cmd, r); }
    }
}
