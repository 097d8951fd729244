// Why: what (net-stats) shows: packets and bytes each way and every drop by its reason, so a
// hostile or broken peer is visible instead of silent. Plain counters, no allocation.
namespace LispVm.Net
{
    public enum DropReason
    {
        // One counter per reason; keep Names in step.
        TooShort, BadEtherType, NotForUs, ArpMalformed, IpMalformed, IpBadChecksum,
        IpFragment, IpOptions, IcmpMalformed, IcmpBadChecksum, UdpMalformed, UdpBadChecksum,
        UdpNoSocket, UdpQueueFull, TxDeviceBusy, TxNoRoute, ArpUnresolved, Count
    }

    public sealed class NetStats
    {
        public long RxPackets, RxBytes, TxPackets, TxBytes;
        public long ArpRequestsIn, ArpRepliesIn, ArpRequestsOut, ArpRepliesOut;
        public long IcmpEchoIn, IcmpEchoOut, UdpIn, UdpOut;
        public readonly long[] Drops = new long[(int)DropReason.Count];

        public static readonly string[] DropNames =
        {
            "too-short", "bad-ethertype", "not-for-us", "arp-malformed", "ip-malformed",
            "ip-bad-checksum", "ip-fragment", "ip-options", "icmp-malformed", "icmp-bad-checksum",
            "udp-malformed", "udp-bad-checksum", "udp-no-socket", "udp-queue-full",
            "tx-device-busy", "tx-no-route", "arp-unresolved",
        };

        public void Drop(DropReason r) { Drops[(int)r]++; }
    }
}
