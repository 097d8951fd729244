// Why: the type descriptor ILC emits for every type (a layout contract with the compiler,
// see dotnet/runtime MethodTable.Constants.cs). The allocator reads sizes from it and the
// cast helpers walk parent links and interface maps.
namespace Internal.Runtime
{
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    internal unsafe struct MethodTable
    {
        internal ushort _usComponentSize;
        internal ushort _usFlags;
        internal uint _uBaseSize;
        internal MethodTable* _relatedType;
        internal ushort _usNumVtableSlots;
        internal ushort _usNumInterfaces;
        internal uint _uHashCode;

        const ushort KindMask = 0x0003;
        const ushort HasComponentSizeFlag = 0x0200;
        const int ElementTypeShift = 11;
        const int ElementTypeInterface = 0x15;

        internal bool IsCanonical => (_usFlags & KindMask) == 0;
        internal bool HasComponentSize => (_usFlags & HasComponentSizeFlag) != 0;
        internal bool IsInterface => (_usFlags >> ElementTypeShift) == ElementTypeInterface;

        // The interface map follows the vtable.
        internal static MethodTable** InterfaceMap(MethodTable* mt)
        {
            return (MethodTable**)((byte*)mt + sizeof(MethodTable) + mt->_usNumVtableSlots * 8);
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
