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
        [FieldOffset(3088)] public ulong arch_max_pfn;      // arch.max_pfn

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

        // Xen system time in ns: system_time + scaled (tsc - tsc_timestamp), retried while
        // Xen is updating the record (odd or changed version).
        public static ulong NowNs(VcpuTimeInfo* t)
        {
            for (int attempt = 0; ; attempt++)
            {
                uint version = t->version;
                System.Threading.Interlocked.MemoryBarrier(); // read version before the fields it guards
                ulong stamp = t->tsc_timestamp;
                ulong system = t->system_time;
                uint mul = t->tsc_to_system_mul;
                sbyte shift = t->tsc_shift;
                ulong tsc = Rdtsc != null ? Rdtsc() : stamp;
                System.Threading.Interlocked.MemoryBarrier(); // read the fields before re-checking version
                if ((version & 1) == 0 && version == t->version)
                    return system + ScaleDelta(tsc - stamp, mul, shift);
                if (attempt > 1000000) return system; // Xen never finishes: do not hang the guest
            }
        }

        // Converts a TSC value read earlier (e.g. at entry, before shared_info was mapped) to Xen
        // system time. The record may be newer than the TSC value: then the delta is negative
        // and must be subtracted, not wrapped into a huge unsigned number.
        public static ulong TscToNs(VcpuTimeInfo* t, ulong tsc)
        {
            for (int attempt = 0; ; attempt++)
            {
                uint version = t->version;
                System.Threading.Interlocked.MemoryBarrier(); // read version before the fields it guards
                ulong stamp = t->tsc_timestamp;
                ulong system = t->system_time;
                uint mul = t->tsc_to_system_mul;
                sbyte shift = t->tsc_shift;
                System.Threading.Interlocked.MemoryBarrier(); // read the fields before re-checking version
                if (((version & 1) == 0 && version == t->version) || attempt > 1000000)
                {
                    if (tsc >= stamp) return system + ScaleDelta(tsc - stamp, mul, shift);
                    ulong back = ScaleDelta(stamp - tsc, mul, shift);
                    return back > system ? 0 : system - back;
                }
            }
        }

        // Wall clock in ns since 1970-01-01 UTC: shared_info's wc_sec (+ wc_sec_hi << 32) and
        // wc_nsec are the wall time when Xen system time was 0, so add system time now. The
        // wc fields follow the same odd/changed-version protocol as vcpu_time_info.
        public static long WallNs(SharedInfo* s)
        {
            for (int attempt = 0; ; attempt++)
            {
                uint version = s->wc_version;
                System.Threading.Interlocked.MemoryBarrier(); // read wc_version before the fields it guards
                ulong sec = ((ulong)s->wc_sec_hi << 32) | s->wc_sec;
                uint nsec = s->wc_nsec;
                System.Threading.Interlocked.MemoryBarrier(); // read the fields before re-checking wc_version
                if (((version & 1) == 0 && version == s->wc_version) || attempt > 1000000)
                {
                    if (nsec >= 1000000000u) nsec = 0;     // hostile page: keep the sum meaningful
                    return WallFrom(sec, nsec, NowNs(&s->vcpu_info0.time));
                }
            }
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
