// Hash tables in the Lisp heap. Entries live in insertion order in a SimpleVector of
// [key, value, hash] triples (removed keys become W.Unbound tombstones); a raw index of
// uint slots (entry+1, open addressing) finds them. Keys hashed by address make the table
// rehash lazily once a collection may have moved them (it records the GC epochs).
namespace LispVm.Gc
{
    public sealed unsafe partial class Heap
    {
        const int HtTest = 0, HtCount = 1, HtEntries = 2, HtUsed = 3, HtIndex = 4, HtEpoch = 5,
            HtFullEpoch = 6, HtFlags = 7, HtUser = 8, HtWords = 9;
        const long HtfAddr = 1, HtfYoung = 2;

        /// <summary>New empty hash table (slot 8, HashTableUserSlot, is free for the VM).</summary>
        public ulong MakeHashTable(HashTest test, int capacity)
        {
            if (capacity < 4) capacity = 4;
            int m = rootTop;
            int r = PushRoot(AllocBoxed(ObjType.HashTable, HtWords));
            ulong t = rootStack[r];
            SetSlot(t, HtTest, W.Fix((long)test));
            SetSlot(t, HtCount, W.Fix(0));
            SetSlot(t, HtUsed, W.Fix(0));
            SetSlot(t, HtFlags, W.Fix(0));
            SetSlot(t, HtEpoch, W.Fix((long)gcEpoch));
            SetSlot(t, HtFullEpoch, W.Fix((long)fullEpoch));
            ulong e = AllocBoxed(ObjType.SimpleVector, capacity * 3);
            SetSlot(rootStack[r], HtEntries, e);
            ulong ix = AllocRaw(ObjType.ByteVector, (long)IndexCapFor(capacity) * 4);
            t = rootStack[r];
            SetSlot(t, HtIndex, ix);
            rootTop = m;
            return t;
        }

        public ulong MakeHashTable(HashTest test) { return MakeHashTable(test, 8); }

        public const int HashTableUserSlot = HtUser;

        static int IndexCapFor(int cap) { int n = 8; while (n < cap * 2) n <<= 1; return n; }

        public HashTest HashTableTest(ulong t) { return (HashTest)W.FixVal(Slot(t, HtTest)); }
        public int HashCount(ulong t) { return (int)W.FixVal(Slot(t, HtCount)); }

        /// <summary>Number of entry slots to iterate (0..limit-1), in insertion order.</summary>
        public int HashEntryLimit(ulong t) { return (int)W.FixVal(Slot(t, HtUsed)); }

        /// <summary>Entry i in insertion order; false if it was removed.</summary>
        public bool HashEntryAt(ulong t, int i, out ulong key, out ulong value)
        {
            ulong e = Slot(t, HtEntries);
            key = Slot(e, i * 3);
            value = Slot(e, i * 3 + 1);
            return key != W.Unbound;
        }

        public bool HashGet(ulong t, ulong key, out ulong value)
        {
            EnsureIndexed(t);
            bool addr;
            ulong h = KeyHash(key, HashTableTest(t), true, out addr);
            int i = HashFind(t, key, h);
            if (i < 0) { value = W.Nil; return false; }
            value = Slot(Slot(t, HtEntries), i * 3 + 1);
            return true;
        }

        /// <summary>Sets key to value. Protects its arguments.</summary>
        public void HashPut(ulong t, ulong key, ulong value)
        {
            int m = rootTop;
            int r = PushRoot(t); PushRoot(key); PushRoot(value);
            EnsureIndexed(t);
            bool addr;
            ulong h = KeyHash(key, HashTableTest(t), true, out addr);
            int i = HashFind(t, key, h);
            if (i >= 0) { SetSlot(Slot(t, HtEntries), i * 3 + 1, value); rootTop = m; return; }
            int used = HashEntryLimit(t);
            if (used * 3 >= Length(Slot(t, HtEntries)))
            {
                HashGrow(t);
                t = rootStack[r]; key = rootStack[r + 1]; value = rootStack[r + 2];
                h = KeyHash(key, HashTableTest(t), true, out addr);
                used = HashEntryLimit(t);
            }
            rootTop = m;
            ulong e = Slot(t, HtEntries);
            SetSlot(e, used * 3, key);
            SetSlot(e, used * 3 + 1, value);
            SetSlot(e, used * 3 + 2, W.Fix((long)h));
            SetSlot(t, HtUsed, W.Fix(used + 1));
            SetSlot(t, HtCount, W.Fix(HashCount(t) + 1));
            if (addr)
            {
                long f = W.FixVal(Slot(t, HtFlags)) | HtfAddr;
                if (IsYoung(key)) f |= HtfYoung;
                SetSlot(t, HtFlags, W.Fix(f));
            }
            IndexInsert(t, used, h);
        }

        public bool HashRemove(ulong t, ulong key)
        {
            EnsureIndexed(t);
            bool addr;
            ulong h = KeyHash(key, HashTableTest(t), true, out addr);
            int i = HashFind(t, key, h);
            if (i < 0) return false;
            ulong e = Slot(t, HtEntries);
            SetSlot(e, i * 3, W.Unbound);
            SetSlot(e, i * 3 + 1, W.Nil);
            SetSlot(t, HtCount, W.Fix(HashCount(t) - 1));
            return true;
        }

        public void HashClear(ulong t)
        {
            ulong e = Slot(t, HtEntries);
            Bits.FillWords((ulong*)RawData(e), W.Nil, (ulong)Length(e));
            ulong ix = Slot(t, HtIndex);
            Bits.ZeroBytes(RawData(ix), (ulong)Length(ix));
            SetSlot(t, HtUsed, W.Fix(0));
            SetSlot(t, HtCount, W.Fix(0));
            SetSlot(t, HtFlags, W.Fix(0));
        }

        // ---- internals ----

        int HashFind(ulong t, ulong key, ulong h)
        {
            ulong e = Slot(t, HtEntries);
            ulong ix = Slot(t, HtIndex);
            uint* slots = (uint*)RawData(ix);
            uint mask = (uint)(Length(ix) / 4 - 1);
            uint pos = (uint)h & mask;
            ulong hf = W.Fix((long)h);
            HashTest test = HashTableTest(t);
            while (true)
            {
                uint s = slots[pos];
                if (s == 0) return -1;
                int i = (int)s - 1;
                if (Slot(e, i * 3 + 2) == hf && KeysMatch(test, Slot(e, i * 3), key)) return i;
                pos = (pos + 1) & mask;
            }
        }

        bool KeysMatch(HashTest test, ulong a, ulong b)
        {
            if (a == b) return a != W.Unbound;
            switch (test)
            {
                case HashTest.Eq: return false;
                case HashTest.Eql: return Eql(a, b);
                case HashTest.Equal: return Equal(a, b);
                default: return Equalp(a, b);
            }
        }

        void IndexInsert(ulong t, int entry, ulong h)
        {
            ulong ix = Slot(t, HtIndex);
            uint* slots = (uint*)RawData(ix);
            uint mask = (uint)(Length(ix) / 4 - 1);
            uint pos = (uint)h & mask;
            while (slots[pos] != 0) pos = (pos + 1) & mask;
            slots[pos] = (uint)entry + 1;
        }

        /// <summary>Rehashes if a collection may have moved address-hashed keys.</summary>
        void EnsureIndexed(ulong t)
        {
            long f = W.FixVal(Slot(t, HtFlags));
            if (f != 0)
            {
                bool stale = ((f & HtfAddr) != 0 && (ulong)W.FixVal(Slot(t, HtFullEpoch)) != fullEpoch)
                          || ((f & HtfYoung) != 0 && (ulong)W.FixVal(Slot(t, HtEpoch)) != gcEpoch);
                if (stale) Rehash(t);
            }
            // Epochs are fixnums: plain stores, no barrier needed.
            ulong* body = (ulong*)((t & ~7UL) + 8);
            body[HtEpoch] = W.Fix((long)gcEpoch);
            body[HtFullEpoch] = W.Fix((long)fullEpoch);
        }

        /// <summary>Recomputes every live entry's hash and rebuilds the index (no allocation).</summary>
        void Rehash(ulong t)
        {
            ulong e = Slot(t, HtEntries);
            ulong ix = Slot(t, HtIndex);
            Bits.ZeroBytes(RawData(ix), (ulong)Length(ix));
            HashTest test = HashTableTest(t);
            int used = HashEntryLimit(t);
            long f = 0;
            for (int i = 0; i < used; i++)
            {
                ulong k = Slot(e, i * 3);
                if (k == W.Unbound) continue;
                bool addr;
                ulong h = KeyHash(k, test, true, out addr);
                if (addr) { f |= HtfAddr; if (IsYoung(k)) f |= HtfYoung; }
                SetSlot(e, i * 3 + 2, W.Fix((long)h));
                IndexInsert(t, i, h);
            }
            SetSlot(t, HtFlags, W.Fix(f));
        }

        /// <summary>Compacts removed entries and doubles capacity if needed. Allocates;
        /// t must be rooted by the caller (HashPut does).</summary>
        void HashGrow(ulong t)
        {
            int m = rootTop;
            int r = PushRoot(t);
            int count = HashCount(t);
            int cap = Length(Slot(t, HtEntries)) / 3;
            int newCap = count * 2 > cap ? cap * 2 : cap;
            if (newCap < 4) newCap = 4;
            int re = PushRoot(AllocBoxed(ObjType.SimpleVector, newCap * 3));
            ulong ix = AllocRaw(ObjType.ByteVector, (long)IndexCapFor(newCap) * 4);
            t = rootStack[r];
            ulong ne = rootStack[re];
            rootTop = m;
            ulong oe = Slot(t, HtEntries);
            int used = HashEntryLimit(t), j = 0;
            ulong* src = (ulong*)RawData(oe);
            ulong* dst = (ulong*)RawData(ne);
            for (int i = 0; i < used; i++)
            {
                if (src[i * 3] == W.Unbound) continue;
                dst[j * 3] = src[i * 3]; dst[j * 3 + 1] = src[i * 3 + 1]; dst[j * 3 + 2] = src[i * 3 + 2];
                j++;
            }
            Barrier(ne);
            SetSlot(t, HtEntries, ne);
            SetSlot(t, HtIndex, ix);
            SetSlot(t, HtUsed, W.Fix(j));
            SetSlot(t, HtCount, W.Fix(j));
            Rehash(t);
            SetSlot(t, HtEpoch, W.Fix((long)gcEpoch));
            SetSlot(t, HtFullEpoch, W.Fix((long)fullEpoch));
        }

        /// <summary>Finds a string key equal to the name; returns the entry index or -1.</summary>
        int HashFindName(ulong t, ref NameKey k, ulong h)
        {
            ulong e = Slot(t, HtEntries);
            ulong ix = Slot(t, HtIndex);
            uint* slots = (uint*)RawData(ix);
            uint mask = (uint)(Length(ix) / 4 - 1);
            uint pos = (uint)h & mask;
            ulong hf = W.Fix((long)h);
            while (true)
            {
                uint s = slots[pos];
                if (s == 0) return -1;
                int i = (int)s - 1;
                ulong key = Slot(e, i * 3);
                if (Slot(e, i * 3 + 2) == hf && key != W.Unbound && k.EqualsString(key)) return i;
                pos = (pos + 1) & mask;
            }
        }

        bool HashGetName(ulong t, ref NameKey k, ulong h, out ulong value)
        {
            int i = HashFindName(t, ref k, h);
            if (i < 0) { value = W.Nil; return false; }
            value = Slot(Slot(t, HtEntries), i * 3 + 1);
            return true;
        }
    }
}
