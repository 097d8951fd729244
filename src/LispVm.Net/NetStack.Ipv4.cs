// Why: IPv4 in the stack: accept packets for our address or a broadcast (limited or subnet)
// after Ipv4.Check, hand ICMP and UDP on; on output route (on-subnet direct, else via the
// gateway, else NoRoute) and write the header.
namespace LispVm.Net
{
    public sealed unsafe partial class NetStack
    {
        void HandleIpv4(byte* p, int len)
        {
            int ihl, total;
            DropReason why;
            if (!Ipv4.Check(p, len, out ihl, out total, out why)) { Stats.Drop(why); return; }
            uint src = Bytes.Get32(p + Ipv4.Src);
            uint dst = Bytes.Get32(p + Ipv4.Dst);
            if (!Configured) { Stats.Drop(DropReason.NotForUs); return; }
            bool broadcast = dst == Ipv4.Broadcast || dst == Config.SubnetBroadcast;
            if (dst != Config.Ip && !broadcast) { Stats.Drop(DropReason.NotForUs); return; }
            if (Ipv4.IsBadSource(src) || src == Config.Ip || src == Config.SubnetBroadcast)
            {
                Stats.Drop(DropReason.IpMalformed);
                return;
            }
            int proto = p[Ipv4.Protocol];
            if (proto == Ipv4.ProtoIcmp) HandleIcmp(src, broadcast, p + ihl, total - ihl);
            else if (proto == Ipv4.ProtoUdp) HandleUdp(src, dst, broadcast, p + ihl, total - ihl);
            else if (proto == Ipv4.ProtoTcp) HandleTcp(src, dst, broadcast, p + ihl, total - ihl);
            else Stats.Drop(DropReason.IpProtocol);
        }

        bool IsBroadcastAddress(uint ip) { return ip == Ipv4.Broadcast || ip == Config.SubnetBroadcast; }

        /// <summary>The next hop for dst, or 0 when there is no route.</summary>
        uint NextHop(uint dst)
        {
            if ((dst & Config.Mask) == (Config.Ip & Config.Mask)) return dst;
            return Config.Gateway;
        }

        /// <summary>Sends the payloadLen bytes already at txBuf[34..] as an IPv4 packet of
        /// protocol to dst. False when it has no route or is too long (counted); a packet the
        /// device refuses or that waits for ARP counts as sent here (its drop is counted).</summary>
        bool SendIpv4(uint dst, int protocol, int payloadLen)
        {
            if (Ipv4.HeaderLength + payloadLen > mtu) { Stats.Drop(DropReason.TxTooLong); return false; }
            bool broadcast = IsBroadcastAddress(dst);
            uint hop = broadcast ? dst : NextHop(dst);
            if (hop == 0 || dst == 0) { Stats.Drop(DropReason.TxNoRoute); return false; }
            int frameLen = Ethernet.HeaderLength + Ipv4.HeaderLength + payloadLen;
            fixed (byte* t = txBuf) fixed (byte* m = mac)
            {
                ipId = (ipId + 1) & 0xFFFF;
                Ipv4.WriteHeader(t + Ethernet.HeaderLength, ipId, protocol, Config.Ip, dst, payloadLen);
                if (broadcast)
                {
                    Ethernet.WriteBroadcastHeader(t, m, Ethernet.TypeIpv4);
                    Transmit(t, frameLen);
                    return true;
                }
                Ethernet.WriteHeader(t, m, m, Ethernet.TypeIpv4);   // destination set by SendToHop
            }
            SendToHop(hop, frameLen);
            return true;
        }
    }
}
