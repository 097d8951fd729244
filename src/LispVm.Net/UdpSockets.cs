// Why: the UDP socket table and its receive queues, all preallocated. Limits: MaxSockets
// open sockets; each queues at most QueueDepth (32) datagrams; the datagrams of all sockets
// share a pool of PoolSlots (64) buffers of MaxPayload (1472) bytes (92 KiB in all). A full
// queue or an empty pool drops the newcomer (counted udp-queue-full by the caller).
// Port 0 asks for an ephemeral port: the next free one in 49152..65535, round robin.
namespace LispVm.Net
{
    public sealed unsafe class UdpSockets
    {
        public const int QueueDepth = 32;
        public const int PoolSlots = 64;
        public const int EphemeralFirst = 49152, EphemeralLast = 65535;

        readonly int maxSockets;
        readonly int slotSize;
        readonly int[] ports;          // 0 = closed
        readonly int[] queue;          // maxSockets * QueueDepth pool slot numbers
        readonly int[] head, count;
        readonly byte[] pool;
        readonly int[] slotLength;
        readonly uint[] slotSrcIp;
        readonly int[] slotSrcPort;
        readonly int[] freeSlots;
        int freeCount;
        int nextEphemeral = EphemeralFirst;

        public UdpSockets(int maxSockets, int slotSize)
        {
            this.maxSockets = maxSockets;
            this.slotSize = slotSize;
            ports = new int[maxSockets];
            queue = new int[maxSockets * QueueDepth];
            head = new int[maxSockets];
            count = new int[maxSockets];
            pool = new byte[PoolSlots * slotSize];
            slotLength = new int[PoolSlots];
            slotSrcIp = new uint[PoolSlots];
            slotSrcPort = new int[PoolSlots];
            freeSlots = new int[PoolSlots];
            for (int i = 0; i < PoolSlots; i++) freeSlots[i] = i;
            freeCount = PoolSlots;
        }

        public bool IsOpen(int s) { return s >= 0 && s < maxSockets && ports[s] != 0; }

        public int Port(int s) { return IsOpen(s) ? ports[s] : NetError.BadSocket; }

        /// <summary>The socket bound to port, or -1.</summary>
        public int Find(int port)
        {
            if (port <= 0) return -1;
            for (int s = 0; s < maxSockets; s++) if (ports[s] == port) return s;
            return -1;
        }

        /// <summary>Opens port (0: ephemeral); reserved is a port the stack serves itself (0: none).</summary>
        public int Open(int port, int reserved)
        {
            if (port < 0 || port > 65535) return NetError.BadPort;
            int s = -1;
            for (int k = 0; k < maxSockets && s < 0; k++) if (ports[k] == 0) s = k;
            if (port != 0 && (port == reserved || Find(port) >= 0)) return NetError.PortInUse;
            if (s < 0) return NetError.NoSockets;
            if (port == 0)
            {
                // At most maxSockets + 1 ports are taken, so this ends within a few steps.
                for (int tries = 0; tries <= EphemeralLast - EphemeralFirst && port == 0; tries++)
                {
                    int p = nextEphemeral;
                    nextEphemeral = p == EphemeralLast ? EphemeralFirst : p + 1;
                    if (p != reserved && Find(p) < 0) port = p;
                }
                if (port == 0) return NetError.NoSockets;
            }
            ports[s] = port; head[s] = 0; count[s] = 0;
            return s;
        }

        public int Close(int s)
        {
            if (!IsOpen(s)) return NetError.BadSocket;
            while (count[s] > 0) FreeHead(s);
            ports[s] = 0;
            return 0;
        }

        public bool Ready(int s) { return IsOpen(s) && count[s] > 0; }

        /// <summary>Queues a copy of a datagram for s; false when its queue or the pool is full.</summary>
        public bool Enqueue(int s, byte* data, int len, uint srcIp, int srcPort)
        {
            if (!IsOpen(s) || len < 0 || len > slotSize) return false;
            if (count[s] >= QueueDepth || freeCount == 0) return false;
            int slot = freeSlots[--freeCount];
            fixed (byte* p = pool) Bytes.Copy(p + slot * slotSize, data, len);
            slotLength[slot] = len; slotSrcIp[slot] = srcIp; slotSrcPort[slot] = srcPort;
            queue[s * QueueDepth + (head[s] + count[s]) % QueueDepth] = slot;
            count[s]++;
            return true;
        }

        /// <summary>Takes the oldest datagram of s into buf (at most max bytes copied, the rest
        /// discarded): the number of bytes copied, or WouldBlock / BadSocket.</summary>
        public int Dequeue(int s, byte* buf, int max, out uint srcIp, out int srcPort)
        {
            srcIp = 0; srcPort = 0;
            if (!IsOpen(s)) return NetError.BadSocket;
            if (count[s] == 0) return NetError.WouldBlock;
            int slot = queue[s * QueueDepth + head[s]];
            int n = slotLength[slot];
            if (max < 0) max = 0;
            if (n > max) n = max;
            if (buf != null) fixed (byte* p = pool) Bytes.Copy(buf, p + slot * slotSize, n);
            else n = 0;
            srcIp = slotSrcIp[slot]; srcPort = slotSrcPort[slot];
            FreeHead(s);
            return n;
        }

        void FreeHead(int s)
        {
            freeSlots[freeCount++] = queue[s * QueueDepth + head[s]];
            head[s] = (head[s] + 1) % QueueDepth;
            count[s]--;
        }
    }
}
