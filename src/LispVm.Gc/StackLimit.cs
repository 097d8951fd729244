// Why: the engine's C# code runs on the platform's stack (Xen: 512 KiB below an unmapped
// guard page; Linux image: the same; hosted: the thread's stack). Overflowing it cannot be
// reported (on Xen the fault frame would land on the same stack and the domain dies), so the
// places where C# nests on user data (the compiler's form walk, a nested VM run for a macro
// expander) compare the stack pointer with a low-water mark here and signal storage-condition
// instead. The platform sets the mark from the real stack bounds; 0 means "not checked".
namespace LispVm.Gc
{
    public sealed unsafe class StackLimit
    {
        /// <summary>Lowest stack address the engine may reach before a check fails: the
        /// stack's lowest usable byte plus a margin for the work between two checks (a
        /// collection, printing, the condition handler, the platform's fault path).</summary>
        public ulong Low;

        /// <summary>Sets Low from the usable range [lowest, lowest + size) and the margin.
        /// A margin that does not fit leaves half the stack usable.</summary>
        public void Set(ulong lowest, ulong size, ulong margin)
        {
            if (margin > size / 2) margin = size / 2;
            Low = lowest + margin;
        }

        /// <summary>True when the current stack pointer is below Low.</summary>
        public bool Exhausted()
        {
            byte probe = 0;
            return (ulong)&probe < Low;
        }

        /// <summary>Bytes left above Low (diagnostics and tests); 0 when exhausted.</summary>
        public ulong Headroom()
        {
            byte probe = 0;
            ulong sp = (ulong)&probe;
            return sp > Low ? sp - Low : 0;
        }
    }
}
