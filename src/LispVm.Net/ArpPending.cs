// Why: packets waiting for ARP resolution of their next hop, bounded: at most MaxAddresses
// unresolved addresses, one packet each (a newer packet replaces the older, which is counted
// arp-queue-full). Each address gets up to MaxRequests requests RetryNs apart; one RetryNs
// after the last the packet is dropped, counted arp-unresolved. The frame is stored whole,
// its destination MAC filled in when the reply arrives.
namespace LispVm.Net
{
    public sealed unsafe class ArpPending
    {
        public const int MaxAddresses = 4;
        public const int MaxRequests = 3;
        public const ulong RetryNs = 1000000000UL;
        public const int SlotSize = 1536;

        readonly uint[] ips = new uint[MaxAddresses];
        readonly bool[] active = new bool[MaxAddresses];
        readonly int[] requests = new int[MaxAddresses];
        readonly ulong[] lastRequestNs = new ulong[MaxAddresses];
        readonly int[] lengths = new int[MaxAddresses];
        readonly byte[] frames = new byte[MaxAddresses * SlotSize];

        public int Find(uint ip)
        {
            for (int i = 0; i < MaxAddresses; i++) if (active[i] && ips[i] == ip) return i;
            return -1;
        }

        public bool Has(uint ip) { return Find(ip) >= 0; }

        public bool IsActive(int slot) { return active[slot]; }
        public uint Ip(int slot) { return ips[slot]; }
        public int Length(int slot) { return lengths[slot]; }
        public int Requests(int slot) { return requests[slot]; }
        public ulong LastRequestNs(int slot) { return lastRequestNs[slot]; }

        public void NoteRequest(int slot, ulong now) { requests[slot]++; lastRequestNs[slot] = now; }

        public void Release(int slot) { active[slot] = false; }

        /// <summary>Stores frame for ip. Returns the slot (newSlot = true when ip was not
        /// pending before: the caller sends the first request), -1 when every slot is taken
        /// by other addresses. replaced: an older packet for ip was overwritten.</summary>
        public int Add(uint ip, byte* frame, int len, out bool newSlot, out bool replaced)
        {
            newSlot = false; replaced = false;
            if (len < 0 || len > SlotSize) return -1;
            int i = Find(ip);
            if (i >= 0) replaced = true;
            else
            {
                for (int k = 0; k < MaxAddresses && i < 0; k++) if (!active[k]) i = k;
                if (i < 0) return -1;
                newSlot = true;
                active[i] = true; ips[i] = ip; requests[i] = 0; lastRequestNs[i] = 0;
            }
            fixed (byte* f = frames) Bytes.Copy(f + i * SlotSize, frame, len);
            lengths[i] = len;
            return i;
        }

        /// <summary>The frames, slot k at k * SlotSize (pin to read or patch one).</summary>
        public byte[] Buffer { get { return frames; } }
    }
}
