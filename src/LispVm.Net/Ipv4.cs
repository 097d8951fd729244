// Why: the IPv4 header (RFC 791): checks on input (version, IHL, total length, header
// checksum, fragments, options) and the header we write on output (TTL 64, DF, an id
// counter). Options are dropped (counted ip-options), not skipped: nothing we serve needs
// them and source-route options are a known attack surface.
namespace LispVm.Net
{
    public static unsafe class Ipv4
    {
        public const int HeaderLength = 20;
        public const int VersionIhl = 0, Tos = 1, TotalLength = 2, Id = 4, FlagsFragment = 6,
                         Ttl = 8, Protocol = 9, HeaderChecksum = 10, Src = 12, Dst = 16;
        public const int FlagDf = 0x4000, FlagMf = 0x2000, FragmentOffsetMask = 0x1FFF;
        public const int ProtoIcmp = 1, ProtoTcp = 6, ProtoUdp = 17;
        public const int DefaultTtl = 64;
        public const uint Broadcast = 0xFFFFFFFF;

        /// <summary>Checks a received packet of len bytes (the Ethernet payload). On success
        /// returns true with the header and total lengths; else false with the drop reason.</summary>
        public static bool Check(byte* p, int len, out int ihl, out int total, out DropReason why)
        {
            ihl = 0; total = 0; why = DropReason.IpMalformed;
            if (len < HeaderLength) return false;
            if ((p[VersionIhl] >> 4) != 4) return false;
            ihl = (p[VersionIhl] & 0xF) * 4;
            if (ihl < HeaderLength || ihl > len) return false;
            total = Bytes.Get16(p + TotalLength);
            if (total < ihl || total > len) return false;
            if (Checksum.Finish(Checksum.Add(0, p, ihl)) != 0) { why = DropReason.IpBadChecksum; return false; }
            if ((Bytes.Get16(p + FlagsFragment) & (FlagMf | FragmentOffsetMask)) != 0) { why = DropReason.IpFragment; return false; }
            if (ihl != HeaderLength) { why = DropReason.IpOptions; return false; }
            return true;
        }

        /// <summary>Writes a 20-byte header for payloadLength bytes of protocol, checksum included.</summary>
        public static void WriteHeader(byte* p, int id, int protocol, uint src, uint dst, int payloadLength)
        {
            p[VersionIhl] = 0x45;
            p[Tos] = 0;
            Bytes.Put16(p + TotalLength, HeaderLength + payloadLength);
            Bytes.Put16(p + Id, id);
            Bytes.Put16(p + FlagsFragment, FlagDf);
            p[Ttl] = DefaultTtl;
            p[Protocol] = (byte)protocol;
            Bytes.Put16(p + HeaderChecksum, 0);
            Bytes.Put32(p + Src, src);
            Bytes.Put32(p + Dst, dst);
            Bytes.Put16(p + HeaderChecksum, Checksum.Finish(Checksum.Add(0, p, HeaderLength)));
        }

        /// <summary>Not usable as a sender: 0.0.0.0, limited broadcast, multicast/class E, loopback.</summary>
        public static bool IsBadSource(uint ip)
        {
            return ip == 0 || (ip >> 28) >= 0xE || (ip >> 24) == 127;
        }
    }
}
