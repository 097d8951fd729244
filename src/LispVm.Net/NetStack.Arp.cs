// Why: ARP in the stack (RFC 826): answer requests for our address, learn under ArpCache's
// policy, resolve next hops for output with a bounded wait queue (ArpPending) and retries,
// and the gratuitous announcement at start.
namespace LispVm.Net
{
    public sealed unsafe partial class NetStack
    {
        /// <summary>Sends the gratuitous ARP announcing our address (call once at start).</summary>
        public void Announce()
        {
            if (!Configured) return;
            SendArpRequest(Config.Ip);
        }

        void SendArpRequest(uint target)
        {
            fixed (byte* b = arpBuf) fixed (byte* m = mac)
            {
                int n = Arp.Build(b, null, m, Arp.OpRequest, Config.Ip, null, target);
                if (Transmit(b, n)) Stats.ArpRequestsOut++;
            }
        }

        void HandleArp(byte* p, int len)
        {
            if (!Arp.Valid(p, len)) { Stats.Drop(DropReason.ArpMalformed); return; }
            int op = Bytes.Get16(p + Arp.Op);
            byte* sha = p + Arp.Sha;
            uint spa = Bytes.Get32(p + Arp.Spa);
            uint tpa = Bytes.Get32(p + Arp.Tpa);
            if (Ethernet.IsGroup(sha)) { Stats.Drop(DropReason.ArpMalformed); return; }
            if (op == Arp.OpRequest) Stats.ArpRequestsIn++; else Stats.ArpRepliesIn++;
            if (!Configured) { Stats.Drop(DropReason.NotForUs); return; }
            // Only hosts of our subnet are learned (we never send to another directly); someone
            // claiming our own address is dropped.
            bool senderOk = !Ipv4.IsBadSource(spa) && spa != Config.SubnetBroadcast
                && (spa & Config.Mask) == (Config.Ip & Config.Mask) && (spa & ~Config.Mask) != 0;
            if (spa == Config.Ip) { Stats.Drop(DropReason.ArpMalformed); return; }
            bool learned = senderOk && arp.Update(spa, sha, now);   // RFC 826 merge
            if (tpa != Config.Ip)
            {
                // An announcement (or a request to someone else) from an address we are
                // resolving answers our question as well as a reply would.
                if (senderOk && !learned && pending.Has(spa)) learned = arp.Insert(spa, sha, now, true);
                if (learned) { FlushPending(spa, sha); Handled(); }
                else Stats.Drop(DropReason.NotForUs);
                return;
            }
            if (senderOk && !learned)
            {
                bool solicited = op == Arp.OpReply && pending.Has(spa);
                if (op == Arp.OpRequest || solicited) learned = arp.Insert(spa, sha, now, solicited);
            }
            if (learned) FlushPending(spa, sha);
            if (op == Arp.OpRequest)
            {
                fixed (byte* b = arpBuf) fixed (byte* m = mac)
                {
                    int n = Arp.Build(b, sha, m, Arp.OpReply, Config.Ip, sha, spa);
                    if (Transmit(b, n)) Stats.ArpRepliesOut++;
                }
            }
            Handled();
        }

        /// <summary>Sends the packet waiting for ip, now that its MAC is known.</summary>
        void FlushPending(uint ip, byte* hw)
        {
            int slot = pending.Find(ip);
            if (slot < 0) return;
            fixed (byte* f = pending.Buffer)
            {
                byte* frame = f + slot * ArpPending.SlotSize;
                Bytes.Copy(frame + Ethernet.DstOffset, hw, 6);
                Transmit(frame, pending.Length(slot));
            }
            pending.Release(slot);
        }

        /// <summary>Sends the frame in txBuf (Ethernet header's destination still to fill) to
        /// nextHop: at once if its MAC is cached, else queued behind an ARP request.</summary>
        void SendToHop(uint nextHop, int frameLen)
        {
            fixed (byte* t = txBuf)
            {
                if (arp.Lookup(nextHop, now, t + Ethernet.DstOffset)) { Transmit(t, frameLen); return; }
                bool newSlot, replaced;
                int slot = pending.Add(nextHop, t, frameLen, out newSlot, out replaced);
                if (slot < 0) { Stats.Drop(DropReason.ArpQueueFull); return; }
                if (replaced) Stats.Drop(DropReason.ArpQueueFull);
                if (newSlot) { pending.NoteRequest(slot, now); SendArpRequest(nextHop); }
            }
        }

        void RunArpTimers()
        {
            for (int i = 0; i < ArpPending.MaxAddresses; i++)
            {
                if (!pending.IsActive(i)) continue;
                ulong last = pending.LastRequestNs(i);
                if (now < last || now - last < ArpPending.RetryNs) continue;
                if (pending.Requests(i) >= ArpPending.MaxRequests)
                {
                    pending.Release(i);
                    Stats.Drop(DropReason.ArpUnresolved);
                    continue;
                }
                pending.NoteRequest(i, now);
                SendArpRequest(pending.Ip(i));
            }
        }
    }
}
