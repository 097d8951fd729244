// Why: the heap image (the Lisp library compiled at build time, DESIGN "Heap image") is
// linked into the REPL image by build/kernel.sh as a .rodata blob; these two asm stubs
// (generated next to the blob) give its address and size — size 0 when the image was
// linked without one (the first link stage, or --no-heap-image).
#if LISPVM_ENGINE
using System.Runtime;
using System.Runtime.CompilerServices;

namespace LispVm.Kernel
{
    internal static unsafe class HeapImageBlob
    {
        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("lispvm_heap_image")]
        internal static extern byte* Data();

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("lispvm_heap_image_size")]
        internal static extern long Size();
    }
}
#endif
