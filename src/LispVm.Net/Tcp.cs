// Why: the TCP header (RFC 9293 section 3.1): ports, sequence and acknowledgment numbers, data
// offset, flags, window, checksum over the IPv4 pseudo header, and the two options we use in
// SYNs (MSS, RFC 9293 3.7.1; window scale, RFC 7323 2). Sequence arithmetic is modulo 2^32.
namespace LispVm.Net
{
    public static unsafe class Tcp
    {
        public const int HeaderLength = 20;
        public const int SrcPort = 0, DstPort = 2, Seq = 4, Ack = 8, DataOffset = 12, Flags = 13,
                         Window = 14, ChecksumOffset = 16, UrgentPointer = 18;
        public const int Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, AckFlag = 0x10, Urg = 0x20;
        public const int OptEnd = 0, OptNop = 1, OptMss = 2, OptWindowScale = 3;
        public const int MaxWindowShift = 14;     // RFC 7323 2.3: larger shifts are taken as 14
        /// <summary>Length of the options we put in a SYN: MSS (4), NOP, window scale (3).</summary>
        public const int SynOptionsLength = 8;

        public static bool Lt(uint a, uint b) { return (int)(a - b) < 0; }
        public static bool Le(uint a, uint b) { return (int)(a - b) <= 0; }
        public static bool Gt(uint a, uint b) { return (int)(a - b) > 0; }
        public static bool Ge(uint a, uint b) { return (int)(a - b) >= 0; }

        /// <summary>Reads MSS and window-scale options from the optLen bytes at p; absent ones
        /// keep their inputs. A malformed option ends the scan (the rest is ignored).</summary>
        public static void ParseOptions(byte* p, int optLen, ref int mss, ref int wscale)
        {
            int i = 0;
            while (i < optLen)
            {
                int kind = p[i];
                if (kind == OptEnd) return;
                if (kind == OptNop) { i++; continue; }
                if (i + 1 >= optLen) return;
                int len = p[i + 1];
                if (len < 2 || i + len > optLen) return;
                if (kind == OptMss && len == 4) mss = Bytes.Get16(p + i + 2);
                else if (kind == OptWindowScale && len == 3) wscale = p[i + 2] > MaxWindowShift ? MaxWindowShift : p[i + 2];
                i += len;
            }
        }

        /// <summary>Writes the SYN options (MSS mss, NOP, window scale shift) at p.</summary>
        public static void WriteSynOptions(byte* p, int mss, int shift)
        {
            p[0] = OptMss; p[1] = 4; Bytes.Put16(p + 2, mss);
            p[4] = OptNop; p[5] = OptWindowScale; p[6] = 3; p[7] = (byte)shift;
        }

        /// <summary>Writes the header (options, if any, already at p + 20 and counted in
        /// headerLen) and the checksum over the whole segment of len bytes.</summary>
        public static void WriteHeader(byte* p, int sport, int dport, uint seq, uint ack, int headerLen,
                                       int flags, int window, int len, uint srcIp, uint dstIp)
        {
            Bytes.Put16(p + SrcPort, sport);
            Bytes.Put16(p + DstPort, dport);
            Bytes.Put32(p + Seq, seq);
            Bytes.Put32(p + Ack, ack);
            p[DataOffset] = (byte)((headerLen / 4) << 4);
            p[Flags] = (byte)flags;
            Bytes.Put16(p + Window, window);
            Bytes.Put16(p + ChecksumOffset, 0);
            Bytes.Put16(p + UrgentPointer, 0);
            Bytes.Put16(p + ChecksumOffset, Checksum.Finish(Checksum.Add(Checksum.Pseudo(srcIp, dstIp, Ipv4.ProtoTcp, len), p, len)));
        }
    }
}
