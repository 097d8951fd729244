// Why: the UDP header (RFC 768): ports, length (header included) and a checksum over the
// IPv4 pseudo header and the datagram; 0 means "none" on IPv4, and a computed 0 is sent as
// 0xFFFF.
namespace LispVm.Net
{
    public static unsafe class Udp
    {
        public const int HeaderLength = 8;
        public const int SrcPort = 0, DstPort = 2, Length = 4, ChecksumOffset = 6;

        /// <summary>Writes the header and checksum for a datagram of len bytes (header included)
        /// whose payload is already at p + 8.</summary>
        public static void WriteHeader(byte* p, int srcPort, int dstPort, int len, uint srcIp, uint dstIp)
        {
            Bytes.Put16(p + SrcPort, srcPort);
            Bytes.Put16(p + DstPort, dstPort);
            Bytes.Put16(p + Length, len);
            Bytes.Put16(p + ChecksumOffset, 0);
            ushort c = Checksum.Finish(Checksum.Add(Checksum.Pseudo(srcIp, dstIp, Ipv4.ProtoUdp, len), p, len));
            Bytes.Put16(p + ChecksumOffset, c == 0 ? 0xFFFF : c);
        }
    }
}
