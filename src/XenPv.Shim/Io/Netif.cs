// Why: netif wire structs (io/netif.h) for netfront's tx/rx rings, spec names; sizes and
// offsets are checked against the headers in XenPv.Tests. A response's status is either a
// length or a negative NETIF_RSP_* error: validate before using it as a length.
using System.Runtime.InteropServices;

namespace XenPv.Shim.Io
{
    [StructLayout(LayoutKind.Explicit, Size = 12)]
    public struct NetifTxRequest
    {
        public const ushort FlagCsumBlank = 1, FlagDataValidated = 2, FlagMoreData = 4, FlagExtraInfo = 8;
        [FieldOffset(0)] public uint gref;
        [FieldOffset(4)] public ushort offset;
        [FieldOffset(6)] public ushort flags;
        [FieldOffset(8)] public ushort id;
        [FieldOffset(10)] public ushort size;
    }

    [StructLayout(LayoutKind.Explicit, Size = 4)]
    public struct NetifTxResponse
    {
        public const short RspOkay = 0, RspError = -1, RspDropped = -2, RspNull = 1;
        [FieldOffset(0)] public ushort id;
        [FieldOffset(2)] public short status;
    }

    [StructLayout(LayoutKind.Explicit, Size = 8)]
    public struct NetifRxRequest
    {
        [FieldOffset(0)] public ushort id;
        [FieldOffset(4)] public uint gref;
    }

    [StructLayout(LayoutKind.Explicit, Size = 8)]
    public struct NetifRxResponse
    {
        // NETRXF_*: we offer no SG and no GSO, so more_data and extra_info must never appear.
        public const ushort FlagDataValidated = 1, FlagCsumBlank = 2, FlagMoreData = 4, FlagExtraInfo = 8, FlagGsoPrefix = 16;
        [FieldOffset(0)] public ushort id;
        [FieldOffset(2)] public ushort offset;
        [FieldOffset(4)] public ushort flags;
        [FieldOffset(6)] public short status;    // > 0: length; <= 0: NETIF_RSP_*
    }
}
