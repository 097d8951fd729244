// Precise roots and the write barrier. C# code keeps heap pointers that must survive an
// allocation on the root stack (RootMark/PushRoot/Root/PopRoots, DESIGN.md §4); other
// subsystems register IGcRoots. The barrier marks the card of an old slot that may now
// point into the nursery, so a minor collection scans only dirty cards of the old space.
using System.Runtime.CompilerServices;

namespace LispVm.Gc
{
    public sealed unsafe partial class Heap
    {
        enum GcMode : byte { None, Minor, Mark, Update, Verify, ImageCount, ImageSave, ImageLoad }
        GcMode mode;

        /// <summary>Current root-stack height, to restore with PopRoots.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int RootMark() { return rootTop; }

        /// <summary>Protects x; returns its index for Root/SetRoot.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int PushRoot(ulong x)
        {
            int i = rootTop;
            if (i >= rootStack.Length) { Die("heap: root stack overflow"); return 0; }
            rootStack[i] = x;
            rootTop = i + 1;
            return i;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ulong Root(int index) { return rootStack[index]; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void SetRoot(int index, ulong x) { rootStack[index] = x; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void PopRoots(int mark) { rootTop = mark; }

        /// <summary>Registers a root set visited at every collection.</summary>
        public void AddRoots(IGcRoots r)
        {
            if (extraRootCount >= extraRoots.Length) { Die("heap: too many root sets"); return; }
            extraRoots[extraRootCount++] = r;
        }

        public void RemoveRoots(IGcRoots r)
        {
            for (int i = 0; i < extraRootCount; i++)
            {
                if (extraRoots[i] == r)
                {
                    for (int j = i + 1; j < extraRootCount; j++) extraRoots[j - 1] = extraRoots[j];
                    extraRoots[--extraRootCount] = null;
                    return;
                }
            }
        }

        /// <summary>True while a minor collection visits the roots: a root set may leave out
        /// slots it knows were not written since the previous collection (after a collection
        /// no root points into the nursery, and old objects move only in a full one).</summary>
        public bool CollectingMinor { get { return mode == GcMode.Minor; } }

        /// <summary>True in a root pass after which no visited slot points into the nursery
        /// (a minor collection, the update pass of a full one): a root set may reset its
        /// record of what was written since.</summary>
        public bool RootsCleaned { get { return mode == GcMode.Minor || mode == GcMode.Update; } }

        /// <summary>Root slots minor collections have visited, all together (a pause's work
        /// that does not depend on the clock: tests compare it).</summary>
        public ulong MinorRootSlots { get { return minorRootSlots; } }
        ulong minorRootSlots;

        /// <summary>Called by IGcRoots.VisitRoots for each root slot; may update the slot.</summary>
        public void VisitRoot(ref ulong slot)
        {
            switch (mode)
            {
                case GcMode.Minor: slot = Evacuate(slot); minorRootSlots++; break;
                case GcMode.Mark: MarkValue(slot); break;
                case GcMode.Update: slot = Forwarded(slot); break;
                case GcMode.Verify: VerifyValue(slot, 0); break;
                case GcMode.ImageCount: imageRootIndex++; break;
                case GcMode.ImageSave: if (imageRootIndex < imageRootCap) imageRoots[imageRootIndex] = slot; imageRootIndex++; break;
                case GcMode.ImageLoad: if (imageRootIndex < imageRootCap) slot = Relocated(imageRoots[imageRootIndex]); imageRootIndex++; break;
            }
        }

        void VisitAllRoots()
        {
            verifyWhere = "root stack";
            for (int i = 0; i < rootTop; i++) VisitRoot(ref rootStack[i]);
            verifyWhere = "heap roots";
            for (int i = 0; i < heapRoots.Length; i++) VisitRoot(ref heapRoots[i]);
            verifyWhere = "registered IGcRoots";
            for (int i = 0; i < extraRootCount; i++) extraRoots[i].VisitRoots(this);
            verifyWhere = "heap object";
        }

        /// <summary>True if w points into the old space.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool IsOld(ulong w) { return W.IsPointer(w) && (w & ~7UL) < nurBase; }

        /// <summary>True if w points into the nursery.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool IsYoung(ulong w) { return W.IsPointer(w) && (w & ~7UL) - nurBase < nurSize; }

        /// <summary>Barrier for a store of v at address slotAddr (inside some object).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        void StoreBarrier(ulong slotAddr, ulong v)
        {
            if (v - nurBase < nurSize + 8 && slotAddr < nurBase)
                cards[(slotAddr - oldBase) >> CardShift] = 1;
        }

        /// <summary>Call after raw stores into obj (through RawData or pointers): marks
        /// every card the object spans if it is old.</summary>
        public void Barrier(ulong obj)
        {
            if (!W.IsPointer(obj)) return;
            ulong a = obj & ~7UL;
            if (a >= nurBase) return;
            ulong size = ObjBytesAt(a);
            ulong c0 = (a - oldBase) >> CardShift, c1 = (a + size - 1 - oldBase) >> CardShift;
            for (ulong c = c0; c <= c1; c++) cards[c] = 1;
        }
    }
}
