// Why: the one place where the guest calls Xen. Typed wrappers over the hypercall page
// (hypercall_page + 32*nr, args rdi rsi rdx r10 r8) that return XenError instead of raw
// -errno. The raw entry is a function pointer the kernel sets at boot (an asm stub that
// moves args into Xen's registers), so this file also compiles on .NET (never called).
using System.Runtime.InteropServices;

namespace XenPv.Shim
{
    public enum XenError : long
    {
        Ok = 0, EPERM = -1, ENOENT = -2, ESRCH = -3, EINTR = -4, EIO = -5, E2BIG = -7,
        EAGAIN = -11, ENOMEM = -12, EACCES = -13, EFAULT = -14, EBUSY = -16, EEXIST = -17,
        EINVAL = -22, ENOSPC = -28, ENOSYS = -38, NotBooted = -1000,
    }

    // struct trap_info: one trap-table entry; the table ends with address 0.
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    public struct TrapInfo
    {
        [FieldOffset(0)] public byte vector;
        [FieldOffset(1)] public byte flags;      // bits 0-1: lowest privilege level allowed to raise it (int n)
        [FieldOffset(2)] public ushort cs;
        [FieldOffset(8)] public ulong address;
    }

    // struct mmu_update: ptr = machine address of the PTE | command, val = new PTE.
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    public struct MmuUpdate
    {
        [FieldOffset(0)] public ulong ptr;
        [FieldOffset(8)] public ulong val;
    }

    // struct mmuext_op: cmd, arg1 (mfn / linear_addr), arg2 (nr_ents / vcpumask / src_mfn).
    [StructLayout(LayoutKind.Explicit, Size = 24)]
    public struct MmuextOp
    {
        public const uint TlbFlushLocal = 6, InvlpgLocal = 7;
        [FieldOffset(0)] public uint cmd;
        [FieldOffset(8)] public ulong arg1;
        [FieldOffset(16)] public ulong arg2;
    }

    // XENMEM_* sub-commands of memory_op (memory.h) and what they take.
    public static class XenMem
    {
        public const int IncreaseReservation = 0;   // xen_memory_reservation
        public const int DecreaseReservation = 1;   // xen_memory_reservation: MFNs in
        public const int CurrentReservation = 3;    // domid_t* (NOT a reservation): pages held
        public const int MaximumReservation = 4;    // domid_t*: the domain's page limit
        public const int PopulatePhysmap = 6;       // xen_memory_reservation: GPFNs in, MFNs out
        public const int MemoryMap = 9;             // xen_memory_map: the guest's e820-like map
        public const ulong InvalidMfn = ~0UL;       // INVALID_P2M_ENTRY: a PFN with no frame
    }

    // struct xen_memory_reservation (memory.h): extent_start is a guest handle to an array of
    // xen_pfn_t (MFNs for decrease_reservation, GPFNs in / MFNs out for populate_physmap).
    [StructLayout(LayoutKind.Explicit, Size = 32)]
    public struct XenMemoryReservation
    {
        [FieldOffset(0)] public ulong extent_start;
        [FieldOffset(8)] public ulong nr_extents;
        [FieldOffset(16)] public uint extent_order;
        [FieldOffset(20)] public uint mem_flags;
        [FieldOffset(24)] public ushort domid;
    }

    // struct xen_memory_map (memory.h): nr_entries is the buffer's capacity on call and the
    // count stored on return; buffer holds entries in the BIOS INT 15h E820 format. libxl
    // gives a PV domain one RAM entry [0, maxmem).
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    public struct XenMemoryMap
    {
        [FieldOffset(0)] public uint nr_entries;
        [FieldOffset(8)] public ulong buffer;
    }

    // One E820 entry as the BIOS (and XENMEM_memory_map) writes it: packed, 20 bytes. The
    // public headers do not define it (Xen's own struct e820entry is packed the same way).
    [StructLayout(LayoutKind.Explicit, Size = 20)]
    public struct E820Entry
    {
        public const uint Ram = 1;                  // E820_RAM
        [FieldOffset(0)] public ulong addr;
        [FieldOffset(8)] public ulong size;
        [FieldOffset(16)] public uint type;
    }

    // struct sched_poll
    [StructLayout(LayoutKind.Explicit, Size = 24)]
    public struct SchedPoll
    {
        [FieldOffset(0)] public ulong ports;      // guest handle: evtchn_port_t*
        [FieldOffset(8)] public uint nr_ports;
        [FieldOffset(16)] public ulong timeout;   // ABSOLUTE Xen system time in ns, 0 = forever
    }

    public static unsafe class Hypercalls
    {
        public const int MmuUpdateNr = 1, SetTrapTableNr = 0, SetCallbacksNr = 4, MemoryOpNr = 12,
            UpdateVaMappingNr = 14, XenVersionNr = 17, ConsoleIoNr = 18, VcpuOpNr = 24,
            MmuextOpNr = 26, SchedOpNr = 29, EventChannelOpNr = 32;

        public const int SchedOpYield = 0, SchedOpBlock = 1, SchedOpShutdown = 2, SchedOpPoll = 3;
        public const uint ShutdownPoweroff = 0, ShutdownReboot = 1, ShutdownSuspend = 2, ShutdownCrash = 3;
        public const int EvtchnOpClose = 3, EvtchnOpSend = 4, EvtchnOpUnmask = 9;
        public const ulong UvmfInvlpg = 2;
        // L1 PTE for an ordinary writable data page: _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED
        // (a PV kernel runs in ring 3, so its pages need _PAGE_USER). Used to map shared_info.
        public const ulong PteDataRw = 0x27;
        public const ushort DomidSelf = 0x7FF0;
        public const ushort FlatKernelCs64 = 0xe033;
        public const int XenverVersion = 0;

        // Set by the kernel's Xen entry; null on .NET and under Linux.
        public static delegate* unmanaged[SuppressGCTransition]<ulong, ulong, ulong, ulong, ulong, ulong, long> Raw;

        private static long Call(int nr, ulong a1, ulong a2, ulong a3, ulong a4, ulong a5)
        {
            if (Raw == null) return (long)XenError.NotBooted;
            return Raw((ulong)nr, a1, a2, a3, a4, a5);
        }

        private static XenError Err(long r) { return r >= 0 ? XenError.Ok : (XenError)r; }

        // table: TrapInfo entries ending with address 0; Xen copies it.
        public static XenError SetTrapTable(void* table) { return Err(Call(SetTrapTableNr, (ulong)table, 0, 0, 0, 0)); }

        public static XenError MmuUpdates(MmuUpdate* reqs, uint count, uint* done)
        {
            return Err(Call(MmuUpdateNr, (ulong)reqs, count, (ulong)done, DomidSelf, 0));
        }

        public static XenError UpdateVaMapping(ulong va, ulong pte, ulong flags) { return Err(Call(UpdateVaMappingNr, va, pte, flags, 0, 0)); }

        // XENVER_version: returns (major << 16) | minor.
        public static XenError XenVersion(out int major, out int minor)
        {
            long r = Call(XenVersionNr, XenverVersion, 0, 0, 0, 0);
            major = r >= 0 ? (int)(r >> 16) : 0;
            minor = r >= 0 ? (int)(r & 0xFFFF) : 0;
            return Err(r);
        }

        public static XenError EventChannelOp(int cmd, void* arg) { return Err(Call(EventChannelOpNr, (ulong)cmd, (ulong)arg, 0, 0, 0)); }

        public static XenError Yield() { return Err(Call(SchedOpNr, SchedOpYield, 0, 0, 0, 0)); }

        // SCHEDOP_shutdown: returns only if Xen refused.
        public static XenError SchedShutdown(uint reason)
        {
            uint* r = stackalloc uint[1];
            r[0] = reason;
            return Err(Call(SchedOpNr, SchedOpShutdown, (ulong)r, 0, 0, 0));
        }

        // HYPERVISOR_suspend: SCHEDOP_shutdown(SHUTDOWN_suspend) with the start_info MFN as the
        // third argument (rdx), which the toolstack turns into a PFN on save and back into the
        // new MFN on restore. Returns 0 when we run again in a new domain (restore, migration),
        // 1 when the suspend was cancelled (`xl save -c`, a failed save), < 0 when refused.
        public static long SchedShutdownSuspend(ulong startInfoMfn)
        {
            uint* r = stackalloc uint[1];
            r[0] = ShutdownSuspend;
            return Call(SchedOpNr, SchedOpShutdown, (ulong)r, startInfoMfn, 0, 0);
        }

        // SCHEDOP_poll: blocks until one of the ports is pending or Xen system time reaches
        // absoluteTimeoutNs (0 = no timeout). A relative value here would make every wait a busy loop.
        public static XenError SchedPollPorts(uint* ports, uint count, ulong absoluteTimeoutNs)
        {
            SchedPoll* p = stackalloc SchedPoll[1];
            p->ports = (ulong)ports;
            p->nr_ports = count;
            p->timeout = absoluteTimeoutNs;
            return Err(Call(SchedOpNr, SchedOpPoll, (ulong)p, 0, 0, 0));
        }

        public static long MemoryOp(int cmd, void* arg) { return Call(MemoryOpNr, (ulong)cmd, (ulong)arg, 0, 0, 0); }

        public const int GrantTableOpNr = 20;

        // GNTTABOP_*: cmd, array of count operation structs (each carries its own status).
        public static XenError GrantTableOp(uint cmd, void* ops, uint count)
        {
            return Err(Call(GrantTableOpNr, cmd, (ulong)ops, count, 0, 0));
        }

        public static XenError MmuextOp(void* ops, uint count, uint* done)
        {
            return Err(Call(MmuextOpNr, (ulong)ops, count, (ulong)done, DomidSelf, 0));
        }
    }
}
