// Why: IPv4 → MAC mappings (RFC 826) with a fixed number of entries and a stated policy, so
// neither age nor an ARP storm can grow or poison it without bound.
// Learning (NetStack.Arp.cs): only senders on our subnet; a request addressed to us adds an
// "unsolicited" entry; a reply or announcement from an address we are resolving adds a
// "solicited" one; any ARP packet from a cached address refreshes it (RFC 826's merge).
// Unsolicited replies for unknown addresses are ignored (like Linux's arp_accept=0).
// Expiry: 60 s after an entry was learned or last refreshed (the next send asks again).
// Eviction: an entry used by us for sending becomes solicited. A new unsolicited entry may
// only take a free or expired slot or replace the oldest unsolicited entry, so a storm of
// requests from thousands of senders churns among unsolicited entries and never evicts an
// address we use (the gateway). A solicited entry may take any slot: free/expired first,
// then the oldest unsolicited, then the least recently used.
namespace LispVm.Net
{
    public sealed unsafe class ArpCache
    {
        public const ulong ExpiryNs = 60UL * 1000000000UL;
        const byte Free = 0, Unsolicited = 1, Solicited = 2;

        readonly int capacity;
        readonly uint[] ips;
        readonly byte[] macs;        // 6 per entry
        readonly ulong[] learnedNs;  // learned or refreshed by ARP
        readonly ulong[] usedNs;     // last lookup for sending
        readonly byte[] state;

        public ArpCache(int capacity)
        {
            this.capacity = capacity;
            ips = new uint[capacity];
            macs = new byte[6 * capacity];
            learnedNs = new ulong[capacity];
            usedNs = new ulong[capacity];
            state = new byte[capacity];
        }

        public int Capacity { get { return capacity; } }

        bool Expired(int i, ulong now) { return now > learnedNs[i] && now - learnedNs[i] >= ExpiryNs; }

        bool Live(int i, ulong now) { return state[i] != Free && !Expired(i, now); }

        int Find(uint ip, ulong now)
        {
            for (int i = 0; i < capacity; i++)
                if (state[i] != Free && ips[i] == ip)
                {
                    if (Expired(i, now)) { state[i] = Free; return -1; }
                    return i;
                }
            return -1;
        }

        /// <summary>The MAC for ip (copied to mac) if a live entry exists; marks it used, which
        /// makes it solicited (protected from unsolicited learning).</summary>
        public bool Lookup(uint ip, ulong now, byte* mac)
        {
            int i = Find(ip, now);
            if (i < 0) return false;
            fixed (byte* m = macs) Bytes.Copy(mac, m + 6 * i, 6);
            usedNs[i] = now;
            state[i] = Solicited;
            return true;
        }

        public bool Contains(uint ip, ulong now) { return Find(ip, now) >= 0; }

        /// <summary>RFC 826's merge step: refreshes an existing entry for ip. False if none.</summary>
        public bool Update(uint ip, byte* mac, ulong now)
        {
            int i = Find(ip, now);
            if (i < 0) return false;
            fixed (byte* m = macs) Bytes.Copy(m + 6 * i, mac, 6);
            learnedNs[i] = now;
            return true;
        }

        /// <summary>Adds or refreshes ip under the policy above. False when an unsolicited entry
        /// found no slot it may take (not learned; nothing else changes).</summary>
        public bool Insert(uint ip, byte* mac, ulong now, bool solicited)
        {
            int i = Find(ip, now);
            if (i < 0) i = PickSlot(now, solicited);
            if (i < 0) return false;
            if (state[i] == Free) usedNs[i] = now;
            ips[i] = ip;
            fixed (byte* m = macs) Bytes.Copy(m + 6 * i, mac, 6);
            learnedNs[i] = now;
            if (solicited || state[i] == Free) state[i] = solicited ? Solicited : Unsolicited;
            return true;
        }

        int PickSlot(ulong now, bool solicited)
        {
            int oldestUnsolicited = -1, lru = -1;
            for (int i = 0; i < capacity; i++)
            {
                if (!Live(i, now)) { state[i] = Free; return i; }
                if (state[i] == Unsolicited)
                {
                    if (oldestUnsolicited < 0 || learnedNs[i] < learnedNs[oldestUnsolicited]) oldestUnsolicited = i;
                }
                else if (lru < 0 || usedNs[i] < usedNs[lru]) lru = i;
            }
            if (oldestUnsolicited >= 0) { state[oldestUnsolicited] = Free; return oldestUnsolicited; }
            if (solicited && lru >= 0) { state[lru] = Free; return lru; }
            return -1;
        }

        /// <summary>Copies live entries: ips[k], macs[6k..], age in ms since learned; the count.</summary>
        public int Copy(uint* outIps, byte* outMacs, long* ageMs, int max, ulong now)
        {
            int n = 0;
            for (int i = 0; i < capacity && n < max; i++)
            {
                if (!Live(i, now)) continue;
                if (outIps != null) outIps[n] = ips[i];
                if (outMacs != null) fixed (byte* m = macs) Bytes.Copy(outMacs + 6 * n, m + 6 * i, 6);
                if (ageMs != null) ageMs[n] = now > learnedNs[i] ? (long)((now - learnedNs[i]) / 1000000UL) : 0;
                n++;
            }
            return n;
        }
    }
}
