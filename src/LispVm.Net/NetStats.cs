// Why: what (net-stats) shows: packets and bytes each way and every drop by its reason, so a
// hostile or broken peer is visible instead of silent. Plain counters, no allocation.
// Accounting rule: every received frame ends either handled (RxHandled) or in exactly one
// receive-side drop, so RxPackets == RxHandled + RxDropped(). Transmit-side drops
// (IsTransmitReason) count packets we built but could not send.
namespace LispVm.Net
{
    public enum DropReason
    {
        // One counter per reason; keep DropNames in step. New reasons go before Count.
        TooShort, BadEtherType, NotForUs, ArpMalformed, IpMalformed, IpBadChecksum,
        IpFragment, IpOptions, IcmpMalformed, IcmpBadChecksum, UdpMalformed, UdpBadChecksum,
        UdpNoSocket, UdpQueueFull, TxDeviceBusy, TxNoRoute, ArpUnresolved,
        TooLong, IpProtocol, IcmpUnsupported, IcmpBroadcast, ArpQueueFull, TxTooLong,
        TcpMalformed, TcpBadChecksum, TcpNoSocket, TcpOutOfWindow, TcpBadAck, TcpBacklogFull,
        TcpReassemblyFull, TcpBadRst, TcpUnexpected, Count
    }

    public sealed class NetStats
    {
        public long RxPackets, RxBytes, TxPackets, TxBytes;
        public long RxHandled;   // received frames consumed without a drop
        public long ArpRequestsIn, ArpRepliesIn, ArpRequestsOut, ArpRepliesOut;
        public long IcmpEchoIn, IcmpEchoOut, UdpIn, UdpOut;
        // TCP (NetStack.Tcp*.cs): opens counted when the handshake completes; TcpHalfOpen and
        // TcpConnections are gauges (now), the rest counters.
        public long TcpSegsIn, TcpSegsOut, TcpActiveOpens, TcpPassiveOpens, TcpRetransmits,
                    TcpFastRetransmits, TcpTimeouts, TcpResetsIn, TcpResetsOut, TcpRefusals,
                    TcpChallengeAcks, TcpRstLimited, TcpProbes, TcpHalfOpen, TcpConnections;
        public readonly long[] Drops = new long[(int)DropReason.Count];

        public static readonly string[] DropNames =
        {
            "too-short", "bad-ethertype", "not-for-us", "arp-malformed", "ip-malformed",
            "ip-bad-checksum", "ip-fragment", "ip-options", "icmp-malformed", "icmp-bad-checksum",
            "udp-malformed", "udp-bad-checksum", "udp-no-socket", "udp-queue-full",
            "tx-device-busy", "tx-no-route", "arp-unresolved",
            "too-long", "ip-protocol", "icmp-unsupported", "icmp-broadcast", "arp-queue-full",
            "tx-too-long",
            "tcp-malformed", "tcp-bad-checksum", "tcp-no-socket", "tcp-out-of-window", "tcp-bad-ack",
            "tcp-backlog-full", "tcp-reassembly-full", "tcp-bad-rst", "tcp-unexpected",
        };

        public void Drop(DropReason r) { Drops[(int)r]++; }

        /// <summary>Drops of packets we were sending (not of received frames).</summary>
        public static bool IsTransmitReason(DropReason r)
        {
            return r == DropReason.TxDeviceBusy || r == DropReason.TxNoRoute || r == DropReason.ArpUnresolved
                || r == DropReason.ArpQueueFull || r == DropReason.TxTooLong;
        }

        /// <summary>The sum of the receive-side drop counters.</summary>
        public long RxDropped()
        {
            long n = 0;
            for (int i = 0; i < (int)DropReason.Count; i++)
                if (!IsTransmitReason((DropReason)i)) n += Drops[i];
            return n;
        }
    }
}
