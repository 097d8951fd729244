// Why: struct start_info (xen/include/public/xen.h, x86-64), the page Xen hands the
// guest at entry (rsi). Spec field names; offsets are checked by XenPv.Tests against
// xen-abi.md and, when installed, Debian's libxen-dev headers. MFN = machine frame.
using System.Runtime.InteropServices;

namespace XenPv.Shim
{
    [StructLayout(LayoutKind.Explicit, Size = 1168)]
    public unsafe struct StartInfo
    {
        public const int MagicLength = 32;
        public const int MaxGuestCmdline = 1024;
        public const uint SifModStartPfn = 1u << 3;   // SIF_MOD_START_PFN: mod_start is a PFN, not a VA

        [FieldOffset(0)] public fixed byte magic[MagicLength];   // "xen-3.0-x86_64"
        [FieldOffset(32)] public ulong nr_pages;                 // pages the guest owns
        [FieldOffset(40)] public ulong shared_info;              // machine address (MFN << 12), not mapped
        [FieldOffset(48)] public uint flags;                     // SIF_*
        [FieldOffset(56)] public ulong store_mfn;
        [FieldOffset(64)] public uint store_evtchn;
        [FieldOffset(72)] public ulong console_domU_mfn;         // console.domU.mfn
        [FieldOffset(80)] public uint console_domU_evtchn;       // console.domU.evtchn
        [FieldOffset(88)] public ulong pt_base;
        [FieldOffset(96)] public ulong nr_pt_frames;
        [FieldOffset(104)] public ulong mfn_list;                // VA of the P2M table
        [FieldOffset(112)] public ulong mod_start;
        [FieldOffset(120)] public ulong mod_len;
        [FieldOffset(128)] public fixed byte cmd_line[MaxGuestCmdline];
        [FieldOffset(1152)] public ulong first_p2m_pfn;
        [FieldOffset(1160)] public ulong nr_p2m_frames;

        // True when magic starts with "xen-3.0-x86_64".
        public static bool HasXenMagic(StartInfo* si)
        {
            string want = "xen-3.0-x86_64";
            for (int i = 0; i < want.Length; i++)
                if (si->magic[i] != (byte)want[i]) return false;
            return true;
        }
    }
}
