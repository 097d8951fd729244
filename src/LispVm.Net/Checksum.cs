// Why: the Internet checksum (RFC 1071) shared by IPv4 headers, ICMP and UDP: the ones'
// complement of the ones'-complement sum of 16-bit big-endian words. A block that carries
// its own correct checksum sums to 0xFFFF, so Finish(...) == 0 means "valid".
namespace LispVm.Net
{
    public static unsafe class Checksum
    {
        /// <summary>Adds n bytes at p to the running sum acc (an odd last byte is padded with
        /// zero). The result stays a partial sum: pass it on or to Finish.</summary>
        public static uint Add(uint acc, byte* p, int n)
        {
            ulong s = acc;
            int i = 0;
            for (; i + 1 < n; i += 2) s += (uint)((p[i] << 8) | p[i + 1]);
            if (i < n) s += (uint)(p[i] << 8);
            while ((s >> 32) != 0) s = (s & 0xFFFFFFFF) + (s >> 32);
            return (uint)s;
        }

        /// <summary>The IPv4 pseudo header (RFC 768) of a UDP datagram of length len.</summary>
        public static uint Pseudo(uint src, uint dst, int protocol, int len)
        {
            ulong s = (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF)
                    + (uint)protocol + (uint)len;
            return (uint)s;
        }

        /// <summary>Folds a partial sum to 16 bits and complements it: the value to store in a
        /// checksum field, or 0 when the summed block (checksum included) is valid.</summary>
        public static ushort Finish(uint acc)
        {
            ulong s = acc;
            while ((s >> 16) != 0) s = (s & 0xFFFF) + (s >> 16);
            return (ushort)(~s & 0xFFFF);
        }
    }
}
