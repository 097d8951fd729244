// Why: interface calls ILC cannot devirtualize go through a dispatch cell whose stub is
// RhpInitialDynamicInterfaceDispatch (Asm/entry.S); it saves the argument registers and
// asks Resolve for the target: decode the cell (interface type + slot), then walk the
// receiver's type and its bases for a dispatch-map entry. Results are cached per
// (cell, type) in a fixed table, so the steady state allocates nothing.
using System.Runtime;

namespace Internal.Runtime
{
    internal static unsafe class InterfaceDispatch
    {
        const int CacheSize = 1024;    // entries of {cell, type, target}

        // A fixed table in the image's data (a non-GC static), so dispatch never allocates.
        unsafe struct Cache { public fixed ulong Entries[CacheSize * 3]; }
        static Cache s_cache;

        [RuntimeExport("lispvm_resolve_interface")]
        static void* Resolve(MethodTable* mt, ulong* cell)
        {
            ulong h = (((ulong)cell >> 3) ^ ((ulong)mt >> 4) * 0x9E3779B97F4A7C15UL) >> 54;   // 10 bits
            ulong* e;
            fixed (ulong* table = s_cache.Entries) e = table + (h & (CacheSize - 1)) * 3;
            if (e[0] == (ulong)cell && e[1] == (ulong)mt) return (void*)e[2];

            MethodTable* itf;
            int slot;
            if (!DecodeCell(cell, out itf, out slot)) Panic.Fail("interface dispatch: unsupported dispatch cell");
            void* target = itf == null ? MethodTable.VTable(mt)[slot] : Find(mt, itf, slot);
            if (target == null) Panic.Fail("interface dispatch: no implementation (default interface methods are not supported)");
            e[0] = (ulong)cell; e[1] = (ulong)mt; e[2] = (ulong)target;
            return target;
        }

        // Cell = {stub, cache}. A run of cells ends with a cell whose stub is 0 and whose cache
        // word holds (cell type << 16 | interface slot); each cell's cache word holds the
        // interface type: absolute | 1, relative | 3, or indirected relative | 2.
        static bool DecodeCell(ulong* cell, out MethodTable* itf, out int slot)
        {
            itf = null; slot = 0;
            ulong cache = cell[1];
            if (cache < 0x1000 && (cache & 3) == 0) { slot = (int)(cache / 8) - 3; return slot >= 0; }   // vtable offset
            ulong* end = cell;
            while (end[0] != 0) end += 2;
            ulong info = end[1];
            if ((info >> 16) != 0) return false;          // only InterfaceAndSlot cells
            slot = (int)(ushort)info;
            switch (cache & 3)
            {
                case 1: itf = (MethodTable*)(cache & ~3UL); return true;
                case 3: itf = (MethodTable*)(((ulong)(cell + 1) + (ulong)(long)(int)(uint)cache) & ~3UL); return true;
                case 2:
                    ulong p = ((ulong)(cell + 1) + (ulong)(long)(int)(uint)cache) & ~3UL;
                    itf = *(MethodTable**)p;
                    return true;
            }
            return false;
        }

        static void* Find(MethodTable* target, MethodTable* itf, int itfSlot)
        {
            for (MethodTable* cur = target; cur != null; cur = cur->IsCanonical ? cur->_relatedType : null)
            {
                ushort* map = MethodTable.DispatchMap(cur);
                if (map == null) continue;
                MethodTable** imap = MethodTable.InterfaceMap(cur);
                int n = map[0];          // standard entries; map[1..3] count default/static entries
                ushort* entry = map + 4;
                for (int i = 0; i < n; i++, entry += 3)
                {
                    int idx = entry[0];
                    if (idx >= cur->_usNumInterfaces || imap[idx] != itf || entry[1] != itfSlot) continue;
                    int impl = entry[2];
                    if (impl < target->_usNumVtableSlots) return MethodTable.VTable(target)[impl];
                    return MethodTable.SealedVirtualSlot(cur, impl - cur->_usNumVtableSlots);
                }
            }
            return null;
        }
    }
}
