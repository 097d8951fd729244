// Why: UDP in the stack: checksum (when non-zero) and length checks on input, delivery to a
// socket's bounded queue, the udp-echo= service answered right here during Poll (so it works
// while Lisp is busy; unicast only, never to port 0), and the socket API for Lisp.
// Datagrams to our own address are delivered locally without touching the device.
namespace LispVm.Net
{
    public sealed unsafe partial class NetStack
    {
        void HandleUdp(uint src, uint dst, bool broadcast, byte* p, int len)
        {
            if (len < Udp.HeaderLength) { Stats.Drop(DropReason.UdpMalformed); return; }
            int ulen = Bytes.Get16(p + Udp.Length);
            if (ulen < Udp.HeaderLength || ulen > len) { Stats.Drop(DropReason.UdpMalformed); return; }
            if (Bytes.Get16(p + Udp.ChecksumOffset) != 0
                && Checksum.Finish(Checksum.Add(Checksum.Pseudo(src, dst, Ipv4.ProtoUdp, ulen), p, ulen)) != 0)
            {
                Stats.Drop(DropReason.UdpBadChecksum);
                return;
            }
            int sport = Bytes.Get16(p + Udp.SrcPort), dport = Bytes.Get16(p + Udp.DstPort);
            byte* data = p + Udp.HeaderLength;
            int dlen = ulen - Udp.HeaderLength;
            Stats.UdpIn++;
            if (Config.EchoPort != 0 && dport == Config.EchoPort)
            {
                // The echo service ignores broadcasts and port 0 (no reply possible): counted as
                // no socket, since nothing else listens there.
                if (broadcast || sport == 0) { Stats.Drop(DropReason.UdpNoSocket); return; }
                Handled();
                SendUdp(dport, src, sport, data, dlen);
                return;
            }
            Deliver(dport, data, dlen, src, sport);
        }

        void Deliver(int dport, byte* data, int dlen, uint src, int sport)
        {
            int s = sockets.Find(dport);
            if (s < 0) { Stats.Drop(DropReason.UdpNoSocket); return; }
            // Only a frame longer than Ethernet's 1514 can carry more; no socket slot holds it.
            if (dlen > MaxUdpPayload) { Stats.Drop(DropReason.TooLong); return; }
            if (!sockets.Enqueue(s, data, dlen, src, sport)) { Stats.Drop(DropReason.UdpQueueFull); return; }
            Handled();
        }

        /// <summary>Builds and sends one datagram (data may not lie in txBuf); len or an error.</summary>
        int SendUdp(int srcPort, uint dstIp, int dstPort, byte* data, int len)
        {
            int ulen = Udp.HeaderLength + len;
            if (!IsBroadcastAddress(dstIp) && NextHop(dstIp) == 0) { Stats.Drop(DropReason.TxNoRoute); return NetError.NoRoute; }
            fixed (byte* t = txBuf)
            {
                byte* u = t + Ethernet.HeaderLength + Ipv4.HeaderLength;
                Bytes.Copy(u + Udp.HeaderLength, data, len);
                Udp.WriteHeader(u, srcPort, dstPort, ulen, Config.Ip, dstIp);
            }
            if (!SendIpv4(dstIp, Ipv4.ProtoUdp, ulen)) return NetError.NoRoute;
            Stats.UdpOut++;
            return len;
        }

        /// <summary>Opens a UDP socket on port (0: an ephemeral port); the socket number or an error.</summary>
        public int UdpOpen(int port)
        {
            if (!Configured) return NetError.NoNetwork;
            return sockets.Open(port, Config.EchoPort);
        }

        public int UdpClose(int socket) { return sockets.Close(socket); }

        /// <summary>The local port of an open socket, or an error.</summary>
        public int UdpLocalPort(int socket) { return sockets.Port(socket); }

        /// <summary>Sends one datagram; len or an error. An unresolved next hop queues it behind
        /// an ARP request (bounded; a failed resolution is counted as a drop). A full device is
        /// counted tx-device-busy and still returns len (UDP promises no delivery).</summary>
        public int UdpSend(int socket, uint dstIp, int dstPort, byte* data, int len)
        {
            if (!Configured) return NetError.NoNetwork;
            if (!sockets.IsOpen(socket)) return NetError.BadSocket;
            if (len < 0 || len > MaxUdpPayload || len + Ipv4.HeaderLength + Udp.HeaderLength > mtu) return NetError.TooLong;
            if (len > 0 && data == null) return NetError.TooLong;
            if (dstPort < 1 || dstPort > 65535) return NetError.BadPort;
            if (dstIp == 0 || (Ipv4.IsBadSource(dstIp) && dstIp != Ipv4.Broadcast)) { Stats.Drop(DropReason.TxNoRoute); return NetError.NoRoute; }
            int srcPort = sockets.Port(socket);
            if (dstIp == Config.Ip)
            {
                // Local delivery: counted as one datagram out and one in, no device traffic (its
                // udp-no-socket / udp-queue-full drops are the only ones without a received frame).
                Stats.UdpOut++;
                Stats.UdpIn++;
                int s = sockets.Find(dstPort);
                if (s < 0) Stats.Drop(DropReason.UdpNoSocket);
                else if (!sockets.Enqueue(s, data, len, Config.Ip, srcPort)) Stats.Drop(DropReason.UdpQueueFull);
                return len;
            }
            return SendUdp(srcPort, dstIp, dstPort, data, len);
        }

        /// <summary>Takes the next queued datagram into buf: the bytes copied (at most max; the
        /// rest of a longer datagram is discarded) or WouldBlock / BadSocket.</summary>
        public int UdpReceive(int socket, byte* buf, int max, out uint srcIp, out int srcPort)
        {
            return sockets.Dequeue(socket, buf, max, out srcIp, out srcPort);
        }

        /// <summary>True when a datagram is queued for socket.</summary>
        public bool UdpReady(int socket) { return sockets.Ready(socket); }
    }
}
