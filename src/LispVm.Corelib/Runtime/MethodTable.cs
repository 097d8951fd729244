// Why: the type descriptor ILC emits for every type (a layout contract with the compiler;
// checked against ILC 10.0.12 output: 32-bit flags word, element type in bits 26..30, then
// after the vtable and interface map 32-bit relative pointers to the type manager, the
// writable data and, if HasDispatchMap, the dispatch map). The allocator reads sizes, the
// cast helpers walk parents/interface maps, interface dispatch reads the dispatch map.
namespace Internal.Runtime
{
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    internal unsafe struct MethodTable
    {
        internal ushort _usComponentSize;
        internal ushort _usFlags;            // upper half of the 32-bit flags word
        internal uint _uBaseSize;
        internal MethodTable* _relatedType;  // base type (classes) or element type (arrays)
        internal ushort _usNumVtableSlots;
        internal ushort _usNumInterfaces;
        internal uint _uHashCode;

        uint Flags => (uint)_usFlags << 16;
        const uint KindMask = 0x00030000, HasDispatchMapFlag = 0x00040000, HasFinalizerFlag = 0x00100000,
            HasSealedVTableEntriesFlag = 0x00400000, HasComponentSizeFlag = 0x80000000;
        const int ElementTypeShift = 26;
        const uint ElementTypeInterface = 0x15;

        internal bool IsCanonical => (Flags & KindMask) == 0;
        internal bool HasComponentSize => (Flags & HasComponentSizeFlag) != 0;
        internal bool IsInterface => ((Flags >> ElementTypeShift) & 0x1f) == ElementTypeInterface;
        internal bool HasDispatchMap => (Flags & HasDispatchMapFlag) != 0;
        internal bool HasFinalizer => (Flags & HasFinalizerFlag) != 0;
        internal bool HasSealedVTableEntries => (Flags & HasSealedVTableEntriesFlag) != 0;

        internal static void** VTable(MethodTable* mt) { return (void**)((byte*)mt + sizeof(MethodTable)); }

        // The interface map follows the vtable.
        internal static MethodTable** InterfaceMap(MethodTable* mt)
        {
            return (MethodTable**)((byte*)mt + sizeof(MethodTable) + mt->_usNumVtableSlots * 8);
        }

        static byte* RelPtr(byte* p) { return p + *(int*)p; }

        // Relative-pointer fields after the interface map, in order: type manager, writable
        // data, [dispatch map], [finalizer], [sealed virtual slots].
        static byte* OptionalField(MethodTable* mt, int index)
        {
            return (byte*)InterfaceMap(mt) + mt->_usNumInterfaces * 8 + index * 4;
        }

        internal static ushort* DispatchMap(MethodTable* mt)
        {
            if (!mt->HasDispatchMap) return null;
            return (ushort*)RelPtr(OptionalField(mt, 2));
        }

        internal static void* SealedVirtualSlot(MethodTable* mt, int index)
        {
            if (!mt->HasSealedVTableEntries) return null;
            int field = 2 + (mt->HasDispatchMap ? 1 : 0) + (mt->HasFinalizer ? 1 : 0);
            byte* table = RelPtr(OptionalField(mt, field));
            return RelPtr(table + index * 4);
        }

        internal static bool ImplementsInterface(MethodTable* mt, MethodTable* itf)
        {
            MethodTable** map = InterfaceMap(mt);
            for (int i = 0; i < mt->_usNumInterfaces; i++)
                if (map[i] == itf) return true;
            return false;
        }
    }
}
