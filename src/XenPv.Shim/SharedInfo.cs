// Why: the parts of struct shared_info / vcpu_info / vcpu_time_info (public/xen.h,
// arch-x86/xen.h) that we use: event-channel pending/mask bitmaps, the upcall mask, CR2
// for page faults, the time record. Xen writes this page at any time: read the time with
// the version protocol, never use a field from it as an index without checking.
using System.Runtime.InteropServices;

namespace XenPv.Shim
{
    [StructLayout(LayoutKind.Explicit, Size = 32)]
    public struct VcpuTimeInfo
    {
        [FieldOffset(0)] public uint version;             // odd while Xen updates the record
        [FieldOffset(8)] public ulong tsc_timestamp;      // TSC when system_time was sampled
        [FieldOffset(16)] public ulong system_time;       // ns since the host booted
        [FieldOffset(24)] public uint tsc_to_system_mul;  // 32.32 fixed point
        [FieldOffset(28)] public sbyte tsc_shift;
        [FieldOffset(29)] public byte flags;
    }

    [StructLayout(LayoutKind.Explicit, Size = 64)]
    public struct VcpuInfo
    {
        [FieldOffset(0)] public byte evtchn_upcall_pending;
        [FieldOffset(1)] public byte evtchn_upcall_mask;   // 1 = no upcalls (we poll instead)
        [FieldOffset(8)] public ulong evtchn_pending_sel;
        [FieldOffset(16)] public ulong arch_cr2;            // arch.cr2: page-fault address
        [FieldOffset(24)] public ulong arch_pad;
        [FieldOffset(32)] public VcpuTimeInfo time;
    }

    [StructLayout(LayoutKind.Explicit, Size = 3136)]
    public unsafe struct SharedInfo
    {
        public const int LegacyMaxVcpus = 32;
        public const int EvtchnWords = 64;                  // 4096 ports / 64 bits

        [FieldOffset(0)] public VcpuInfo vcpu_info0;        // vcpu_info[0]; [i] at i * 64
        [FieldOffset(2048)] public fixed ulong evtchn_pending[EvtchnWords];
        [FieldOffset(2560)] public fixed ulong evtchn_mask[EvtchnWords];
        [FieldOffset(3072)] public uint wc_version;
        [FieldOffset(3076)] public uint wc_sec;
        [FieldOffset(3080)] public uint wc_nsec;
        [FieldOffset(3084)] public uint wc_sec_hi;
        // struct arch_shared_info: what the toolstack reads to save or migrate a PV guest.
        [FieldOffset(3088)] public ulong arch_max_pfn;      // arch.max_pfn: P2M entries (a count)
        [FieldOffset(3096)] public ulong arch_pfn_to_mfn_frame_list_list;   // MFN of the P2M's top list
        [FieldOffset(3104)] public ulong arch_nmi_reason;
        [FieldOffset(3112)] public ulong arch_p2m_cr3;      // 0: the toolstack walks the frame lists
        [FieldOffset(3120)] public ulong arch_p2m_vaddr;
        [FieldOffset(3128)] public ulong arch_p2m_generation;

        public static VcpuInfo* Vcpu(SharedInfo* s, int i) { return (VcpuInfo*)s + i; }

        // Word and bit of a port in evtchn_pending / evtchn_mask; false if the port is out of range.
        public static bool PortBit(uint port, out int word, out ulong bit)
        {
            word = (int)(port >> 6);
            bit = 1UL << (int)(port & 63);
            return port < EvtchnWords * 64;
        }
    }

    public static unsafe class XenTime
    {
        // Reads the TSC; set at boot to an asm stub (rdtsc). Null on .NET unless a test sets it.
        public static delegate* unmanaged<ulong> Rdtsc;

        // Xen gives up on neither record in practice; past this many torn reads use the last copy
        // rather than hang the guest.
        const int MaxRetries = 1000000;

        // Xen's version protocol (vcpu_time_info.version, shared_info.wc_version): the version is
        // odd while Xen rewrites the record. ReadBegin before copying the fields, ReadDone after:
        // false means the copy may be torn and must be taken again.
        static uint ReadBegin(uint* version)
        {
            uint v = *version;
            System.Threading.Interlocked.MemoryBarrier(); // read version before the fields it guards
            return v;
        }
        static bool ReadDone(uint* version, uint begun)
        {
            System.Threading.Interlocked.MemoryBarrier(); // read the fields before re-checking version
            return (begun & 1) == 0 && begun == *version;
        }

        // One consistent copy of the time record.
        static VcpuTimeInfo Snapshot(VcpuTimeInfo* t)
        {
            VcpuTimeInfo copy = default;
            for (int attempt = 0; attempt <= MaxRetries; attempt++)
            {
                uint v = ReadBegin(&t->version);
                copy = *t;
                if (ReadDone(&t->version, v)) break;
            }
            return copy;
        }

        // Xen system time in ns: system_time + scaled (tsc - tsc_timestamp). The TSC is read
        // after the copy, so it is never older than the record's stamp.
        public static ulong NowNs(VcpuTimeInfo* t)
        {
            VcpuTimeInfo r = Snapshot(t);
            ulong tsc = Rdtsc != null ? Rdtsc() : r.tsc_timestamp;
            return r.system_time + ScaleDelta(tsc - r.tsc_timestamp, r.tsc_to_system_mul, r.tsc_shift);
        }

        // Converts a TSC value read earlier (e.g. at entry, before shared_info was mapped) to Xen
        // system time. The record may be newer than the TSC value: then the delta is negative
        // and must be subtracted, not wrapped into a huge unsigned number.
        public static ulong TscToNs(VcpuTimeInfo* t, ulong tsc)
        {
            VcpuTimeInfo r = Snapshot(t);
            if (tsc >= r.tsc_timestamp) return r.system_time + ScaleDelta(tsc - r.tsc_timestamp, r.tsc_to_system_mul, r.tsc_shift);
            ulong back = ScaleDelta(r.tsc_timestamp - tsc, r.tsc_to_system_mul, r.tsc_shift);
            return back > r.system_time ? 0 : r.system_time - back;
        }

        // Wall clock in ns since 1970-01-01 UTC: shared_info's wc_sec (+ wc_sec_hi << 32) and
        // wc_nsec are the wall time when Xen system time was 0, so add system time now.
        public static long WallNs(SharedInfo* s)
        {
            ulong sec = 0; uint nsec = 0;
            for (int attempt = 0; attempt <= MaxRetries; attempt++)
            {
                uint v = ReadBegin(&s->wc_version);
                sec = ((ulong)s->wc_sec_hi << 32) | s->wc_sec;
                nsec = s->wc_nsec;
                if (ReadDone(&s->wc_version, v)) break;
            }
            if (nsec >= 1000000000u) nsec = 0;     // hostile page: keep the sum meaningful
            return WallFrom(sec, nsec, NowNs(&s->vcpu_info0.time));
        }

        // wc (the wall time at system time 0) plus system time, in ns since 1970.
        public static long WallFrom(ulong wcSec, uint wcNsec, ulong systemNs)
        {
            return (long)(wcSec * 1000000000UL + wcNsec + systemNs);
        }

        // delta shifted by tsc_shift, then multiplied by tsc_to_system_mul / 2^32 (no overflow).
        public static ulong ScaleDelta(ulong delta, uint mul, sbyte shift)
        {
            if (shift < 0) delta >>= -shift; else delta <<= shift;
            ulong lo = (delta & 0xFFFFFFFF) * mul;
            ulong hi = (delta >> 32) * mul;
            return hi + (lo >> 32);
        }
    }
}
