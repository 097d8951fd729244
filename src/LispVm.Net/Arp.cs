// Why: the ARP packet (RFC 826) for Ethernet/IPv4 only, field names after the RFC
// (ar$hrd, ar$pro, ar$hln, ar$pln, ar$op, ar$sha, ar$spa, ar$tha, ar$tpa). Offsets are from
// the start of the Ethernet payload; a valid packet is at least 28 bytes (padding follows).
namespace LispVm.Net
{
    public static unsafe class Arp
    {
        public const int Length = 28;
        public const int Hrd = 0, Pro = 2, Hln = 4, Pln = 5, Op = 6, Sha = 8, Spa = 14, Tha = 18, Tpa = 24;
        public const int HrdEthernet = 1;
        public const int OpRequest = 1, OpReply = 2;

        /// <summary>True when the fixed fields say Ethernet/IPv4 and op is request or reply.</summary>
        public static bool Valid(byte* p, int len)
        {
            if (len < Length) return false;
            if (Bytes.Get16(p + Hrd) != HrdEthernet || Bytes.Get16(p + Pro) != Ethernet.TypeIpv4) return false;
            if (p[Hln] != 6 || p[Pln] != 4) return false;
            int op = Bytes.Get16(p + Op);
            return op == OpRequest || op == OpReply;
        }

        /// <summary>Writes a whole ARP frame (Ethernet header, packet, zero padding to the 60-byte
        /// minimum) to frame; tha null = zeros. Returns the frame length.</summary>
        public static int Build(byte* frame, byte* ethDst, byte* sha, int op, uint spa, byte* tha, uint tpa)
        {
            if (ethDst == null) Ethernet.WriteBroadcastHeader(frame, sha, Ethernet.TypeArp);
            else Ethernet.WriteHeader(frame, ethDst, sha, Ethernet.TypeArp);
            byte* p = frame + Ethernet.HeaderLength;
            Bytes.Put16(p + Hrd, HrdEthernet);
            Bytes.Put16(p + Pro, Ethernet.TypeIpv4);
            p[Hln] = 6; p[Pln] = 4;
            Bytes.Put16(p + Op, op);
            Bytes.Copy(p + Sha, sha, 6);
            Bytes.Put32(p + Spa, spa);
            if (tha == null) Bytes.Fill(p + Tha, 0, 6); else Bytes.Copy(p + Tha, tha, 6);
            Bytes.Put32(p + Tpa, tpa);
            Bytes.Fill(p + Length, 0, Ethernet.MinFrame - Ethernet.HeaderLength - Length);
            return Ethernet.MinFrame;
        }
    }
}
