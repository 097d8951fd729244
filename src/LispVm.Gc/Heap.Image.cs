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

        ulong Relocated(ulong v)
        {
            if (!W.IsPointer(v)) return v;
            ulong a = v & ~7UL;
            if (a < imageSavedBase || a >= imageSavedEnd) return v;
            return v - imageSavedBase + oldBase;
        }

        /// <summary>Replaces this heap's contents with an image saved at savedBase. Call on a
        /// fresh heap, at a quiet point, with the same root registration as when it was saved.
        /// Returns null, or why the image was refused (the heap is then unchanged).</summary>
        public string LoadImage(byte* data, ulong bytes, ulong savedBase, ulong* roots, int nroots)
        {
            if (rootTop != 0 || dead) return "the heap is busy";
            if ((bytes & 7) != 0 || (savedBase & 7) != 0) return "misaligned image";
            if (CountRootSlots() != nroots) return "root layout differs from the image's";
            if (bytes > oldSoftEnd - oldBase) return "the image is larger than the heap limit";
            Collect(true);
            if (!EnsureOldCommitted(oldBase + bytes)) return "no frames for the image";
            // Check the object walk first (a damaged image must not become a heap).
            ulong end = (ulong)data + bytes;
            for (ulong a = (ulong)data; a < end; )
            {
                ulong size = ObjBytesAt(a);
                if (size == 0 || a + size > end || a + size < a) return "damaged image (object walk)";
                a += size;
            }
            // One pass copies and relocates (issue 20: a byte copy then a second walk cost
            // ~70% of the boot's instructions): raw bodies word for word, pointer words moved.
            oldTop = oldBase + bytes;
            imageSavedBase = savedBase; imageSavedEnd = savedBase + bytes;
            ulong* s = (ulong*)data, d = (ulong*)oldBase, sEnd = (ulong*)end;
            while (s < sEnd)
            {
                ulong h = s[0];
                if ((h & 7) != W.TagHeader)
                {
                    d[0] = Relocated(h); d[1] = Relocated(s[1]);
                    s += 2; d += 2;
                    continue;
                }
                ulong words = 1 + ObjTypes.BodyWords(h);
                byte type = (byte)(h >> 8);
                d[0] = h;
                if (type < ObjTypes.FirstRaw)
                {
                    for (ulong i = 1; i < words; i++) d[i] = Relocated(s[i]);
                    // Address-hashed keys moved: make the table rehash on its next use.
                    if (type == (byte)ObjType.HashTable && words > HtFullEpoch + 1)
                    {
                        d[1 + HtEpoch] = W.Fix(-1);
                        d[1 + HtFullEpoch] = W.Fix(-1);
                    }
                }
                else for (ulong i = 1; i < words; i++) d[i] = s[i];
                s += words; d += words;
            }
            GcMode saved = mode;
            mode = GcMode.ImageLoad; imageRoots = roots; imageRootCap = nroots; imageRootIndex = 0;
            VisitAllRoots();
            mode = saved; imageRoots = null;
            ResetNursery();
            Bits.ZeroBytes(cards, cardCommitted);
            RebuildCrossing();
            fullEpoch++; gcEpoch++;
            liveAfterGc = bytes;
            return null;
        }
    }
}
