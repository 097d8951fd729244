// Why: tools that must see every object of one type, reachable by any path or by none yet
// collected (the bytecode checker decodes every compiled function in the heap), walk the
// heap linearly as the verifier does: the old space, then the nursery. A cursor, not a
// callback, so the caller keeps its own state; it must not allocate during a walk (a
// collection moves objects and leaves the cursor in the wrong place). Kernel-safe.
namespace LispVm.Gc
{
    public sealed unsafe partial class Heap
    {
        /// <summary>The next headed object of type t after the cursor (start with cursor 0),
        /// as a tagged value, or 0 when the walk is over (also on a damaged object walk).</summary>
        public ulong NextObject(ref ulong cursor, ObjType t)
        {
            if (dead || inGc) return 0;
            ulong a = cursor == 0 ? oldBase : cursor;
            while (true)
            {
                if (a >= oldTop && a < nurStart) a = nurStart;
                if (a >= nurTop || a < oldBase) { cursor = nurTop; return 0; }
                ulong end = a < oldTop ? oldTop : nurTop;
                ulong h = *(ulong*)a;
                ulong size = ObjBytesAt(a);
                if (size == 0 || a + size > end) { cursor = nurTop; return 0; }
                ulong next = a + size;
                if ((h & 7) == W.TagHeader && (byte)(h >> 8) == (byte)t)
                {
                    cursor = next;
                    return a | (t == ObjType.Symbol ? W.TagSymbol : W.TagObj);
                }
                a = next;
            }
        }
    }
}
