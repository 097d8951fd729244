// Why: io/xs_wire.h, the xenstore wire protocol: the message header (struct xsd_sockmsg)
// and the message types we send or receive, with their spec values; the error names
// xenstored replies with (type XS_ERROR, payload "EAGAIN\0"). Checked against the C header
// by tests/XenPv.Tests/XenHeadersTests.
using System.Runtime.InteropServices;

namespace XenPv.Xenbus
{
    // enum xsd_sockmsg_type (the subset we use).
    public enum XsType : uint
    {
        Directory = 1, Read = 2, Watch = 4, Unwatch = 5, TransactionStart = 6, TransactionEnd = 7,
        Write = 11, Rm = 13, WatchEvent = 15, Error = 16,
    }

    // What a xenstore call returns: Ok, an error xenstored sent (negative errno values), or
    // one of ours (below -1000).
    public enum XsError
    {
        Ok = 0, ENOENT = -2, EACCES = -13, EEXIST = -17, EINVAL = -22, ENOSPC = -28, EAGAIN = -11,
        EBUSY = -16, E2BIG = -7, EQUOTA = -122, EROFS = -30, OtherError = -1000, Timeout = -1001,
        TooLong = -1002, Protocol = -1003,
        // The stream lost sync (a timeout mid-message, an impossible length): every later
        // call fails with this at once instead of reading a reply that belongs to someone else.
        Dead = -1004,
    }

    // struct xsd_sockmsg: followed by len payload bytes (len <= XENSTORE_PAYLOAD_MAX).
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    public struct XsdSockmsg
    {
        public const int PayloadMax = 4096;   // XENSTORE_PAYLOAD_MAX
        [FieldOffset(0)] public uint type;
        [FieldOffset(4)] public uint req_id;
        [FieldOffset(8)] public uint tx_id;
        [FieldOffset(12)] public uint len;
    }

    public static unsafe class XsErrors
    {
        // The errno name xenstored sent (p[0..len), optionally NUL-terminated) as an XsError.
        public static XsError Parse(byte* p, int len)
        {
            if (Is(p, len, "ENOENT")) return XsError.ENOENT;
            if (Is(p, len, "EACCES")) return XsError.EACCES;
            if (Is(p, len, "EEXIST")) return XsError.EEXIST;
            if (Is(p, len, "EINVAL")) return XsError.EINVAL;
            if (Is(p, len, "EAGAIN")) return XsError.EAGAIN;
            if (Is(p, len, "ENOSPC")) return XsError.ENOSPC;
            if (Is(p, len, "EBUSY")) return XsError.EBUSY;
            if (Is(p, len, "EQUOTA")) return XsError.EQUOTA;
            if (Is(p, len, "E2BIG")) return XsError.E2BIG;
            if (Is(p, len, "EROFS")) return XsError.EROFS;
            return XsError.OtherError;
        }

        // p[0..len) equals s, optionally followed by one NUL.
        public static bool Is(byte* p, int len, string s)
        {
            if (len != s.Length && !(len == s.Length + 1 && p[s.Length] == 0)) return false;
            for (int i = 0; i < s.Length; i++) if (p[i] != (byte)s[i]) return false;
            return true;
        }
    }
}
