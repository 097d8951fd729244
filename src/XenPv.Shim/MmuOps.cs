// Why: the MMU and memory_op calls the frame allocator needs from Xen (update_va_mapping,
// batched mmu_update, local TLB flush, the read-only M2P table, XENMEM_*), behind an
// interface so the same code runs against a fake Xen in tests that enforces Xen's rules.
namespace XenPv.Shim
{
    public unsafe interface IMmuOps
    {
        XenError UpdateVaMapping(ulong va, ulong pte, ulong flags);
        XenError MmuUpdates(MmuUpdate* reqs, uint count, uint* done);
        XenError FlushTlbLocal();
        // M2P entry for mfn; may be garbage: callers check it against the P2M.
        ulong MachineToPhys(ulong mfn);
        // XENMEM_* (XenMem): arg is what the sub-command takes (a xen_memory_reservation, a
        // domid_t, a xen_memory_map). Extents done / pages (>= 0) or -errno.
        long MemoryOp(int cmd, void* arg);
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

        public long MemoryOp(int cmd, void* arg) { return Hypercalls.MemoryOp(cmd, arg); }
    }
}
