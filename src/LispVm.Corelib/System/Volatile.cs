// Why: shared-page code reads indices the other side changes (Volatile.Read) and publishes its
// own (Volatile.Write). On x86-64 plain loads/stores already have acquire/release order, so
// these only need to stop the compiler from caching or reordering: each is a non-inlined
// call, which ILC treats as opaque.
using System.Runtime.CompilerServices;

namespace System.Threading
{
    public static class Volatile
    {
        [MethodImpl(MethodImplOptions.NoInlining)] public static bool Read(ref bool location) { return location; }
        [MethodImpl(MethodImplOptions.NoInlining)] public static byte Read(ref byte location) { return location; }
        [MethodImpl(MethodImplOptions.NoInlining)] public static ushort Read(ref ushort location) { return location; }
        [MethodImpl(MethodImplOptions.NoInlining)] public static int Read(ref int location) { return location; }
        [MethodImpl(MethodImplOptions.NoInlining)] public static uint Read(ref uint location) { return location; }
        [MethodImpl(MethodImplOptions.NoInlining)] public static long Read(ref long location) { return location; }
        [MethodImpl(MethodImplOptions.NoInlining)] public static ulong Read(ref ulong location) { return location; }
        [MethodImpl(MethodImplOptions.NoInlining)] public static void Write(ref bool location, bool value) { location = value; }
        [MethodImpl(MethodImplOptions.NoInlining)] public static void Write(ref byte location, byte value) { location = value; }
        [MethodImpl(MethodImplOptions.NoInlining)] public static void Write(ref ushort location, ushort value) { location = value; }
        [MethodImpl(MethodImplOptions.NoInlining)] public static void Write(ref int location, int value) { location = value; }
        [MethodImpl(MethodImplOptions.NoInlining)] public static void Write(ref uint location, uint value) { location = value; }
        [MethodImpl(MethodImplOptions.NoInlining)] public static void Write(ref long location, long value) { location = value; }
        [MethodImpl(MethodImplOptions.NoInlining)] public static void Write(ref ulong location, ulong value) { location = value; }
    }
}
