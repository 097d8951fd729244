// Why: what the NativeAOT runtime would do before main: find each module's
// __ReadyToRunHeader (listed in the `__modules` section bracketed by the linker script),
// allocate the GC static bases (section 201) and copy their preinitialised data. Class
// constructors run lazily through ClassConstructorRunner on first access.
using System.Runtime;

namespace Internal.Runtime.CompilerHelpers
{
    public static unsafe class StartupCodeHelpers
    {
        const int GCStaticRegion = 201;

        public static void InitializeModules(void** modulesStart, void** modulesEnd)
        {
            for (void** m = modulesStart; m < modulesEnd; m++)
            {
                byte* header = (byte*)*m;
                if (header == null) continue;
                if (*(uint*)header != 0x00525452) Panic.Fail("bad __ReadyToRunHeader signature");
                int count = *(ushort*)(header + 12);
                int rowSize = header[14];
                byte* row = header + 16;
                for (int i = 0; i < count; i++, row += rowSize)
                {
                    if (*(int*)row == GCStaticRegion)
                        InitializeStatics(*(byte**)(row + 8), *(byte**)(row + 16));
                }
            }
        }

        static byte* ReadRelPtr32(void* p) { return (byte*)p + *(int*)p; }

        static void InitializeStatics(byte* start, byte* end)
        {
            for (byte* entry = start; entry < end; entry += 4)
            {
                long* block = (long*)ReadRelPtr32(entry);
                long blockAddr = (long)ReadRelPtr32(block);
                if ((blockAddr & 1) == 0) continue;
                MethodTable* mt = (MethodTable*)(blockAddr & ~3L);
                byte* obj = (byte*)BootHeap.Alloc(mt->_uBaseSize);
                *(MethodTable**)obj = mt;
                if ((blockAddr & 2) != 0)
                {
                    byte* data = ReadRelPtr32((int*)block + 1);
                    Mem.Move(obj + 8, data, mt->_uBaseSize - 16);
                }
                *block = (long)obj;
            }
        }
    }
}

namespace System.Runtime.CompilerServices
{
    // Contract with ILC: holds the address of a class constructor until it has run.
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    public struct StaticClassConstructionContext
    {
        public IntPtr cctorMethodAddress;
    }

    internal static unsafe class ClassConstructorRunner
    {
        static void Run(StaticClassConstructionContext* context)
        {
            IntPtr address = context->cctorMethodAddress;
            if (address.ToPointer() != null)
            {
                context->cctorMethodAddress = default;
                Internal.Runtime.BootHeap.CctorDepth++;
                ((delegate*<void>)address.ToPointer())();
                Internal.Runtime.BootHeap.CctorDepth--;
            }
        }

        static object CheckStaticClassConstructionReturnGCStaticBase(StaticClassConstructionContext* context, object gcStaticBase)
        {
            Run(context);
            return gcStaticBase;
        }

        static IntPtr CheckStaticClassConstructionReturnNonGCStaticBase(StaticClassConstructionContext* context, IntPtr nonGcStaticBase)
        {
            Run(context);
            return nonGcStaticBase;
        }

        static IntPtr CheckStaticClassConstructionReturnThreadStaticBase(StaticClassConstructionContext* context, IntPtr threadStaticBase)
        {
            Run(context);
            return threadStaticBase;
        }
    }
}
