// Why: ICMP in the stack: echo request → echo reply with the same identifier, sequence and
// data. Broadcast pings are never answered (counted icmp-broadcast): a guest must not be a
// smurf amplifier. Every other type (our own pings' replies included) is counted
// icmp-unsupported.
namespace LispVm.Net
{
    public sealed unsafe partial class NetStack
    {
        void HandleIcmp(uint src, bool broadcast, byte* p, int len)
        {
            if (len < Icmp.HeaderLength) { Stats.Drop(DropReason.IcmpMalformed); return; }
            if (Checksum.Finish(Checksum.Add(0, p, len)) != 0) { Stats.Drop(DropReason.IcmpBadChecksum); return; }
            if (p[Icmp.Type] != Icmp.TypeEchoRequest || p[Icmp.Code] != 0) { Stats.Drop(DropReason.IcmpUnsupported); return; }
            Stats.IcmpEchoIn++;
            if (broadcast) { Stats.Drop(DropReason.IcmpBroadcast); return; }
            Handled();
            if (Ipv4.HeaderLength + len > mtu) { Stats.Drop(DropReason.TxTooLong); return; }
            fixed (byte* t = txBuf)
            {
                byte* r = t + Ethernet.HeaderLength + Ipv4.HeaderLength;
                Bytes.Copy(r, p, len);
                r[Icmp.Type] = Icmp.TypeEchoReply;
                Bytes.Put16(r + Icmp.Checksum, 0);
                Bytes.Put16(r + Icmp.Checksum, Checksum.Finish(Checksum.Add(0, r, len)));
            }
            if (SendIpv4(src, Ipv4.ProtoIcmp, len)) Stats.IcmpEchoOut++;
        }
    }
}
