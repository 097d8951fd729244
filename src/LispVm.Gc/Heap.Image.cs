// Heap images (issue 7: the library compiled at build time, mapped at boot). Saving: a full
// collection leaves every live object in the old space, contiguous from its base; the
// image is those bytes plus every root's value, in the order the collector visits roots.
// Loading into a fresh heap whose roots were registered in the same order: copy the bytes
// to this heap's old space, add (new base - saved base) to every pointer into it (a
// precise heap: the tag of each word says whether it is a pointer), mark address-hashed
// tables stale, set the roots, rebuild the crossing map. Kernel-safe: no allocation.
namespace LispVm.Gc
{
    public sealed unsafe partial class Heap
    {
        ulong* imageRoots;
        int imageRootCap, imageRootIndex;
        ulong imageSavedBase, imageSavedEnd;

        /// <summary>How many root slots the collector visits now (the image stores one word each).</summary>
        public int CountRootSlots()
        {
            GcMode saved = mode;
            mode = GcMode.ImageCount; imageRootIndex = 0;
            VisitAllRoots();
            mode = saved;
            return imageRootIndex;
        }

        /// <summary>Compacts the heap and describes the image: the old space [start, start+bytes)
        /// and the root values written to roots (cap words). Returns the number of roots, or
        /// -1 if the C# root stack is not empty (C# code is holding values: not a quiet point).</summary>
        public int PrepareImage(ulong* roots, int cap, out byte* start, out ulong bytes)
        {
            start = null; bytes = 0;
            if (rootTop != 0 || dead) return -1;
            Collect(true);
            GcMode saved = mode;
            mode = GcMode.ImageSave; imageRoots = roots; imageRootCap = cap; imageRootIndex = 0;
            VisitAllRoots();
            mode = saved; imageRoots = null;
            start = (byte*)oldBase;
            bytes = oldTop - oldBase;
            return imageRootIndex;
        }

        public ulong OldSpaceBase { get { return oldBase; } }

        // v moved by delta if it points into the saved old space [savedBase, savedBase+bytes).
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        static ulong Moved(ulong v, ulong savedBase, ulong bytes, ulong delta)
        {
            return W.IsPointer(v) && (v & ~7UL) - savedBase < bytes ? v + delta : v;
        }

        // A root word of the image being loaded, moved as LoadImage moved the objects.
        ulong Relocated(ulong v)
        {
            return Moved(v, imageSavedBase, imageSavedEnd - imageSavedBase, oldBase - imageSavedBase);
        }

        const ulong ImagePrime = 0x100000001b3UL;      // FNV-1a's 64-bit prime

        /// <summary>FNV-1a over 64-bit words, continued from h: the image checksum (HeapImage
        /// hashes the root words with it, LoadImage the objects as it walks them).</summary>
        public static ulong ImageHash(ulong h, ulong* p, ulong words)
        {
            for (ulong i = 0; i < words; i++) { h ^= p[i]; h *= ImagePrime; }
            return h;
        }

        /// <summary>Replaces this heap's contents with an image saved at savedBase. Call on a
        /// fresh heap, at a quiet point, with the same root registration as when it was saved.
        /// hash: ImageHash of everything before the bytes; checksum: what hashing the bytes
        /// too must give. Returns null, or why the image was refused (the heap is then unchanged).</summary>
        public string LoadImage(byte* data, ulong bytes, ulong savedBase, ulong* roots, int nroots, ulong hash, ulong checksum)
        {
            if (rootTop != 0 || dead) return "the heap is busy";
            if ((bytes & 7) != 0 || (savedBase & 7) != 0) return "misaligned image";
            if (CountRootSlots() != nroots) return "root layout differs from the image's";
            if (bytes > oldSoftEnd - oldBase) return "the image is larger than the heap limit";
            // Check the object walk and the checksum in one pass first (a damaged image must not
            // become a heap). A walk that fails still hashes the rest, so a flipped byte reads
            // as a checksum failure, as when the two were separate passes.
            ulong end = (ulong)data + bytes;
            string walkWhy = null;
            ulong* w = (ulong*)data, wEnd = (ulong*)end;
            while (w < wEnd)
            {
                ulong size = ObjBytesAt((ulong)w);
                ulong* next = w + size / 8;
                if (size == 0 || next > wEnd || next < w)
                {
                    walkWhy = "damaged image (object walk)";
                    next = wEnd;
                }
                // ImageHash's step, inlined: calling it once per object cost 0.2 M
                // instructions (~4%) of the boot (callgrind, 2026-12-07).
                for (; w < next; w++) { hash ^= *w; hash *= ImagePrime; }
            }
            if (hash != checksum) return "damaged image (checksum)";
            if (walkWhy != null) return walkWhy;
            // The fresh VM's start-up objects are all replaced (the image's roots take every
            // root slot): dropped, not collected first (issue 20: that full collection was a
            // tenth of the boot's instructions).
            if (!EnsureOldCommitted(oldBase + bytes)) return "no frames for the image";
            oldTop = oldBase;
            ResetNursery();
            // One pass copies, relocates and notes each object in the crossing map (issue 20: a
            // byte copy then two more walks cost ~75% of the boot's instructions): raw bodies
            // word for word, pointer words moved.
            // Locals, not fields, in the loop: stores through d could alias them.
            ulong delta = oldBase - savedBase;
            uint* cross = crossing;
            ulong* s = (ulong*)data, d = (ulong*)oldBase, sEnd = (ulong*)end;
            ulong off = 0, card = 0;              // d's offset in the old space; next card to note
            while (s < sEnd)
            {
                ulong h = s[0], words;
                if ((h & 7) != W.TagHeader)
                {
                    words = 2;
                    d[0] = Moved(h, savedBase, bytes, delta);
                    d[1] = Moved(s[1], savedBase, bytes, delta);
                }
                else
                {
                    words = 1 + ObjTypes.BodyWords(h);
                    byte type = (byte)(h >> 8);
                    d[0] = h;
                    if (type < ObjTypes.FirstRaw)
                    {
                        for (ulong i = 1; i < words; i++) d[i] = Moved(s[i], savedBase, bytes, delta);
                        // Address-hashed keys moved: make the table rehash on its next use.
                        if (type == (byte)ObjType.HashTable && words > HtFullEpoch + 1)
                        {
                            d[1 + HtEpoch] = W.Fix(-1);
                            d[1 + HtFullEpoch] = W.Fix(-1);
                        }
                    }
                    else for (ulong i = 1; i < words; i++) d[i] = s[i];
                }
                // The crossing map (as NoteOldObject): each card starting inside this object
                // names the object's first word. Objects are contiguous, so the next card to
                // name is carried from one object to the next.
                ulong objEnd = off + words * 8;
                while ((card << CardShift) < objEnd) cross[card++] = (uint)(off >> 3);
                off = objEnd;
                s += words; d += words;
            }
            oldTop = oldBase + bytes;
            imageSavedBase = savedBase; imageSavedEnd = savedBase + bytes;    // for the roots
            GcMode saved = mode;
            mode = GcMode.ImageLoad; imageRoots = roots; imageRootCap = nroots; imageRootIndex = 0;
            VisitAllRoots();
            mode = saved; imageRoots = null;
            ResetNursery();
            Bits.ZeroBytes(cards, cardCommitted);      // the crossing map was made by the copy
            fullEpoch++; gcEpoch++;
            liveAfterGc = bytes;
            // As after a full collection that left the image's bytes live (CollectFull). The
            // nursery limit stays; the first minor collection commits the old space it needs.
            nextFullAt = bytes + (bytes < (16UL << 20) ? (16UL << 20) : bytes);
            return null;
        }
    }
}
