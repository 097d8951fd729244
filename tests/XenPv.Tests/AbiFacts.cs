// Why: one table of every Xen wire-struct size and field offset we rely on, with the C
// expression that measures the same thing. AbiLayoutTests checks the C# side against the
// numbers in shared/notes/xen-abi.md; XenHeadersTests checks it against Debian's headers.
using System.Runtime.InteropServices;
using XenPv.Shim;

namespace XenPv.Tests;

public static unsafe class AbiFacts
{
    public static long Off<T>(string field) => (long)Marshal.OffsetOf<T>(field);

    // (C expression, C# value, value from xen-abi.md)
    public static readonly (string C, long CSharp, long Notes)[] All =
    {
        ("sizeof(start_info_t)", sizeof(StartInfo), 1168),
        ("offsetof(start_info_t, magic)", Off<StartInfo>("magic"), 0),
        ("offsetof(start_info_t, nr_pages)", Off<StartInfo>(nameof(StartInfo.nr_pages)), 32),
        ("offsetof(start_info_t, shared_info)", Off<StartInfo>(nameof(StartInfo.shared_info)), 40),
        ("offsetof(start_info_t, flags)", Off<StartInfo>(nameof(StartInfo.flags)), 48),
        ("offsetof(start_info_t, store_mfn)", Off<StartInfo>(nameof(StartInfo.store_mfn)), 56),
        ("offsetof(start_info_t, store_evtchn)", Off<StartInfo>(nameof(StartInfo.store_evtchn)), 64),
        ("offsetof(start_info_t, console.domU.mfn)", Off<StartInfo>(nameof(StartInfo.console_domU_mfn)), 72),
        ("offsetof(start_info_t, console.domU.evtchn)", Off<StartInfo>(nameof(StartInfo.console_domU_evtchn)), 80),
        ("offsetof(start_info_t, pt_base)", Off<StartInfo>(nameof(StartInfo.pt_base)), 88),
        ("offsetof(start_info_t, nr_pt_frames)", Off<StartInfo>(nameof(StartInfo.nr_pt_frames)), 96),
        ("offsetof(start_info_t, mfn_list)", Off<StartInfo>(nameof(StartInfo.mfn_list)), 104),
        ("offsetof(start_info_t, mod_start)", Off<StartInfo>(nameof(StartInfo.mod_start)), 112),
        ("offsetof(start_info_t, mod_len)", Off<StartInfo>(nameof(StartInfo.mod_len)), 120),
        ("offsetof(start_info_t, cmd_line)", Off<StartInfo>("cmd_line"), 128),
        ("offsetof(start_info_t, first_p2m_pfn)", Off<StartInfo>(nameof(StartInfo.first_p2m_pfn)), 1152),
        ("offsetof(start_info_t, nr_p2m_frames)", Off<StartInfo>(nameof(StartInfo.nr_p2m_frames)), 1160),

        ("sizeof(struct vcpu_time_info)", sizeof(VcpuTimeInfo), 32),
        ("offsetof(struct vcpu_time_info, version)", Off<VcpuTimeInfo>(nameof(VcpuTimeInfo.version)), 0),
        ("offsetof(struct vcpu_time_info, tsc_timestamp)", Off<VcpuTimeInfo>(nameof(VcpuTimeInfo.tsc_timestamp)), 8),
        ("offsetof(struct vcpu_time_info, system_time)", Off<VcpuTimeInfo>(nameof(VcpuTimeInfo.system_time)), 16),
        ("offsetof(struct vcpu_time_info, tsc_to_system_mul)", Off<VcpuTimeInfo>(nameof(VcpuTimeInfo.tsc_to_system_mul)), 24),
        ("offsetof(struct vcpu_time_info, tsc_shift)", Off<VcpuTimeInfo>(nameof(VcpuTimeInfo.tsc_shift)), 28),

        ("sizeof(struct vcpu_info)", sizeof(VcpuInfo), 64),
        ("offsetof(struct vcpu_info, evtchn_upcall_pending)", Off<VcpuInfo>(nameof(VcpuInfo.evtchn_upcall_pending)), 0),
        ("offsetof(struct vcpu_info, evtchn_upcall_mask)", Off<VcpuInfo>(nameof(VcpuInfo.evtchn_upcall_mask)), 1),
        ("offsetof(struct vcpu_info, evtchn_pending_sel)", Off<VcpuInfo>(nameof(VcpuInfo.evtchn_pending_sel)), 8),
        ("offsetof(struct vcpu_info, arch.cr2)", Off<VcpuInfo>(nameof(VcpuInfo.arch_cr2)), 16),
        ("offsetof(struct vcpu_info, time)", Off<VcpuInfo>(nameof(VcpuInfo.time)), 32),

        ("sizeof(struct shared_info)", sizeof(SharedInfo), 3136),
        ("offsetof(struct shared_info, evtchn_pending)", Off<SharedInfo>("evtchn_pending"), 2048),
        ("offsetof(struct shared_info, evtchn_mask)", Off<SharedInfo>("evtchn_mask"), 2560),
        ("offsetof(struct shared_info, wc_version)", Off<SharedInfo>(nameof(SharedInfo.wc_version)), 3072),
        ("offsetof(struct shared_info, wc_sec_hi)", Off<SharedInfo>(nameof(SharedInfo.wc_sec_hi)), 3084),
        ("offsetof(struct shared_info, arch.max_pfn)", Off<SharedInfo>(nameof(SharedInfo.arch_max_pfn)), 3088),

        ("sizeof(struct trap_info)", sizeof(TrapInfo), 16),
        ("offsetof(struct trap_info, vector)", Off<TrapInfo>(nameof(TrapInfo.vector)), 0),
        ("offsetof(struct trap_info, flags)", Off<TrapInfo>(nameof(TrapInfo.flags)), 1),
        ("offsetof(struct trap_info, cs)", Off<TrapInfo>(nameof(TrapInfo.cs)), 2),
        ("offsetof(struct trap_info, address)", Off<TrapInfo>(nameof(TrapInfo.address)), 8),
        ("sizeof(struct mmu_update)", sizeof(MmuUpdate), 16),
        ("offsetof(struct mmu_update, val)", Off<MmuUpdate>(nameof(MmuUpdate.val)), 8),
        ("sizeof(struct mmuext_op)", sizeof(MmuextOp), 24),
        ("offsetof(struct mmuext_op, arg1)", Off<MmuextOp>(nameof(MmuextOp.arg1)), 8),
        ("offsetof(struct mmuext_op, arg2)", Off<MmuextOp>(nameof(MmuextOp.arg2)), 16),
        ("sizeof(struct xen_memory_reservation)", sizeof(XenMemoryReservation), 32),
        ("offsetof(struct xen_memory_reservation, nr_extents)", Off<XenMemoryReservation>(nameof(XenMemoryReservation.nr_extents)), 8),
        ("offsetof(struct xen_memory_reservation, extent_order)", Off<XenMemoryReservation>(nameof(XenMemoryReservation.extent_order)), 16),
        ("offsetof(struct xen_memory_reservation, mem_flags)", Off<XenMemoryReservation>(nameof(XenMemoryReservation.mem_flags)), 20),
        ("offsetof(struct xen_memory_reservation, domid)", Off<XenMemoryReservation>(nameof(XenMemoryReservation.domid)), 24),
        ("sizeof(struct sched_poll)", sizeof(SchedPoll), 24),
        ("offsetof(struct sched_poll, nr_ports)", Off<SchedPoll>(nameof(SchedPoll.nr_ports)), 8),
        ("offsetof(struct sched_poll, timeout)", Off<SchedPoll>(nameof(SchedPoll.timeout)), 16),

        ("sizeof(struct netif_tx_request)", sizeof(XenPv.Shim.Io.NetifTxRequest), 12),
        ("offsetof(struct netif_tx_request, offset)", Off<XenPv.Shim.Io.NetifTxRequest>("offset"), 4),
        ("offsetof(struct netif_tx_request, flags)", Off<XenPv.Shim.Io.NetifTxRequest>("flags"), 6),
        ("offsetof(struct netif_tx_request, id)", Off<XenPv.Shim.Io.NetifTxRequest>("id"), 8),
        ("offsetof(struct netif_tx_request, size)", Off<XenPv.Shim.Io.NetifTxRequest>("size"), 10),
        ("sizeof(struct netif_tx_response)", sizeof(XenPv.Shim.Io.NetifTxResponse), 4),
        ("offsetof(struct netif_tx_response, status)", Off<XenPv.Shim.Io.NetifTxResponse>("status"), 2),
        ("sizeof(struct netif_rx_request)", sizeof(XenPv.Shim.Io.NetifRxRequest), 8),
        ("offsetof(struct netif_rx_request, gref)", Off<XenPv.Shim.Io.NetifRxRequest>("gref"), 4),
        ("sizeof(struct netif_rx_response)", sizeof(XenPv.Shim.Io.NetifRxResponse), 8),
        ("offsetof(struct netif_rx_response, offset)", Off<XenPv.Shim.Io.NetifRxResponse>("offset"), 2),
        ("offsetof(struct netif_rx_response, flags)", Off<XenPv.Shim.Io.NetifRxResponse>("flags"), 4),
        ("offsetof(struct netif_rx_response, status)", Off<XenPv.Shim.Io.NetifRxResponse>("status"), 6),
        ("offsetof(struct netif_tx_sring, req_event)", XenPv.Shim.Io.SlotRing<XenPv.Shim.Io.NetifTxRequest, XenPv.Shim.Io.NetifTxResponse>.ReqEvent, 4),
        ("offsetof(struct netif_tx_sring, rsp_prod)", XenPv.Shim.Io.SlotRing<XenPv.Shim.Io.NetifTxRequest, XenPv.Shim.Io.NetifTxResponse>.RspProd, 8),
        ("offsetof(struct netif_tx_sring, rsp_event)", XenPv.Shim.Io.SlotRing<XenPv.Shim.Io.NetifTxRequest, XenPv.Shim.Io.NetifTxResponse>.RspEvent, 12),
        ("offsetof(struct netif_tx_sring, ring)", XenPv.Shim.Io.SlotRing<XenPv.Shim.Io.NetifTxRequest, XenPv.Shim.Io.NetifTxResponse>.HeaderSize, 64),
        ("NET_TX_RING_SIZE", XenPv.Shim.Io.SlotRing<XenPv.Shim.Io.NetifTxRequest, XenPv.Shim.Io.NetifTxResponse>.EntriesPerPage(), 256),
        ("NET_RX_RING_SIZE", XenPv.Shim.Io.SlotRing<XenPv.Shim.Io.NetifRxRequest, XenPv.Shim.Io.NetifRxResponse>.EntriesPerPage(), 256),

        // Ring layouts are data (RingLayout), not structs: compare their offsets.
        ("offsetof(struct xencons_interface, in)", XenPv.Console.RingLayout.Console.InOffset, 0),
        ("sizeof(((struct xencons_interface*)0)->in)", XenPv.Console.RingLayout.Console.InSize, 1024),
        ("offsetof(struct xencons_interface, out)", XenPv.Console.RingLayout.Console.OutOffset, 1024),
        ("sizeof(((struct xencons_interface*)0)->out)", XenPv.Console.RingLayout.Console.OutSize, 2048),
        ("offsetof(struct xencons_interface, in_cons)", XenPv.Console.RingLayout.Console.InConsOffset, 3072),
        ("offsetof(struct xencons_interface, in_prod)", XenPv.Console.RingLayout.Console.InProdOffset, 3076),
        ("offsetof(struct xencons_interface, out_cons)", XenPv.Console.RingLayout.Console.OutConsOffset, 3080),
        ("offsetof(struct xencons_interface, out_prod)", XenPv.Console.RingLayout.Console.OutProdOffset, 3084),
        ("offsetof(struct xenstore_domain_interface, req)", XenPv.Console.RingLayout.Xenstore.OutOffset, 0),
        ("sizeof(((struct xenstore_domain_interface*)0)->req)", XenPv.Console.RingLayout.Xenstore.OutSize, 1024),
        ("offsetof(struct xenstore_domain_interface, rsp)", XenPv.Console.RingLayout.Xenstore.InOffset, 1024),
        ("sizeof(((struct xenstore_domain_interface*)0)->rsp)", XenPv.Console.RingLayout.Xenstore.InSize, 1024),
        ("offsetof(struct xenstore_domain_interface, req_cons)", XenPv.Console.RingLayout.Xenstore.OutConsOffset, 2048),
        ("offsetof(struct xenstore_domain_interface, req_prod)", XenPv.Console.RingLayout.Xenstore.OutProdOffset, 2052),
        ("offsetof(struct xenstore_domain_interface, rsp_cons)", XenPv.Console.RingLayout.Xenstore.InConsOffset, 2056),
        ("offsetof(struct xenstore_domain_interface, rsp_prod)", XenPv.Console.RingLayout.Xenstore.InProdOffset, 2060),
    };

    // Constants we pass to Xen, with their C names.
    public static readonly (string C, long CSharp)[] Constants =
    {
        ("__HYPERVISOR_set_trap_table", Hypercalls.SetTrapTableNr),
        ("__HYPERVISOR_mmu_update", Hypercalls.MmuUpdateNr),
        ("__HYPERVISOR_memory_op", Hypercalls.MemoryOpNr),
        ("__HYPERVISOR_update_va_mapping", Hypercalls.UpdateVaMappingNr),
        ("__HYPERVISOR_xen_version", Hypercalls.XenVersionNr),
        ("__HYPERVISOR_console_io", Hypercalls.ConsoleIoNr),
        ("__HYPERVISOR_vcpu_op", Hypercalls.VcpuOpNr),
        ("__HYPERVISOR_mmuext_op", Hypercalls.MmuextOpNr),
        ("__HYPERVISOR_sched_op", Hypercalls.SchedOpNr),
        ("__HYPERVISOR_event_channel_op", Hypercalls.EventChannelOpNr),
        ("SCHEDOP_yield", Hypercalls.SchedOpYield),
        ("SCHEDOP_shutdown", Hypercalls.SchedOpShutdown),
        ("SCHEDOP_poll", Hypercalls.SchedOpPoll),
        ("SHUTDOWN_poweroff", Hypercalls.ShutdownPoweroff),
        ("SHUTDOWN_crash", Hypercalls.ShutdownCrash),
        ("EVTCHNOP_send", Hypercalls.EvtchnOpSend),
        ("UVMF_INVLPG", (long)Hypercalls.UvmfInvlpg),
        ("DOMID_SELF", Hypercalls.DomidSelf),
        ("FLAT_KERNEL_CS64", Hypercalls.FlatKernelCs64),
        ("XENVER_version", Hypercalls.XenverVersion),
        ("MMUEXT_TLB_FLUSH_LOCAL", MmuextOp.TlbFlushLocal),
        ("XENMEM_decrease_reservation", XenMemoryReservation.DecreaseReservation),
        ("XENMEM_populate_physmap", XenMemoryReservation.PopulatePhysmap),
        ("MMUEXT_INVLPG_LOCAL", MmuextOp.InvlpgLocal),
    };
}
