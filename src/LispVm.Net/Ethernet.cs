// Why: Ethernet II framing: destination MAC, source MAC, EtherType, payload. No VLAN tags
// (0x8100 is an unknown EtherType here), no preamble or FCS (the device strips them).
// Frames to our MAC or to broadcast are ours; anything else is "not for us".
namespace LispVm.Net
{
    public static unsafe class Ethernet
    {
        public const int HeaderLength = 14;
        public const int MinFrame = 60;      // without FCS: shorter frames are padded on output
        public const int MaxFrame = 1514;    // 14 + 1500
        public const int DstOffset = 0, SrcOffset = 6, TypeOffset = 12;
        public const int TypeIpv4 = 0x0800, TypeArp = 0x0806;

        public static bool IsBroadcast(byte* mac)
        {
            return (mac[0] & mac[1] & mac[2] & mac[3] & mac[4] & mac[5]) == 0xFF;
        }

        /// <summary>Group bit set: broadcast or multicast, never a valid sender.</summary>
        public static bool IsGroup(byte* mac) { return (mac[0] & 1) != 0; }

        public static void WriteHeader(byte* frame, byte* dst, byte* src, int type)
        {
            Bytes.Copy(frame + DstOffset, dst, 6);
            Bytes.Copy(frame + SrcOffset, src, 6);
            Bytes.Put16(frame + TypeOffset, type);
        }

        public static void WriteBroadcastHeader(byte* frame, byte* src, int type)
        {
            Bytes.Fill(frame + DstOffset, 0xFF, 6);
            Bytes.Copy(frame + SrcOffset, src, 6);
            Bytes.Put16(frame + TypeOffset, type);
        }
    }
}
