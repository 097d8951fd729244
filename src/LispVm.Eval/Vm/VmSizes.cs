// Why: every array the VM allocates at start-up (the green-thread pool, the compiler's work
// arrays, the REPL's form buffer, number registers) and every stack it reserves is sized
// here, in one place. The kernel allocates them once and never again (no C# allocation
// after boot), so their worst case is paid in every guest: ForMemory scales them with the
// memory the guest has: a 16 MiB domain spends ~1 MiB on them, a 1 GiB one gets the full
// sizes (~13 MiB). Depth is not paid up front: the Lisp stacks (value slots, frames,
// bindings, catches; LispThread) and the reader's and printer's frame stacks reserve
// address space and commit frames as deep as they go. The Lisp stacks' reservations are a
// fraction of memory (main thread ~3/8 of it up to 1 GiB: a 1,000,000-deep non-tail
// recursion runs from 256 MiB up; each green thread 1/16 of the main one), so the real bound
// is the memory left, and running out is a storage-condition. Hosted keeps the full
// defaults. The image as a Linux process pays the arrays in address space only: its
// start-up memory is not zeroed twice (BootHeap.Alloc does not zero), so an array is
// resident as far as it is written.
namespace LispVm.Eval;

public sealed class VmSizes
{
    /// <summary>Main thread: value stack words and frames reserved (bindings get a quarter
    /// as many entries as frames, catch entries an eighth); committed as deep as used. At
    /// 1 GiB: 128 + 192 + 32 + 32 MiB of address space.</summary>
    public int StackWords = 1 << 24, Frames = 1 << 23;
    /// <summary>Green-thread pool (slot 0 is the main thread) and each extra thread's stacks
    /// (reserved like the main thread's, a sixteenth of its size; committed when created).
    /// The pool size is part of the heap image's fingerprint: ForMemory keeps it.</summary>
    public int Threads = 8, ThreadStackWords = 1 << 20, ThreadFrames = 1 << 19;
    /// <summary>Reader and printer nesting: their frame stacks (~28 bytes per level each)
    /// reserve address space for this many levels and commit frames only as deep as used.</summary>
    public int ReadDepth = 1 << 17, PrintDepth = 1 << 17;
    /// <summary>Longest string literal the reader takes, in characters (4 bytes each).</summary>
    public int ReadString = 1 << 16;
    /// <summary>Longest token (symbol or number) the reader takes, in characters (~10 bytes
    /// each): enough for the largest integer in decimal (NumDigits * 32 * log10 2 &lt; 10 per
    /// digit) from 256 MiB up, so what the printer writes reads back; 4096 below.</summary>
    public int ReadToken = 8192 * 10;
    /// <summary>Largest integer, in 32-bit digits: each of the ~30 arithmetic scratch
    /// registers (and the printer's digit buffer, 32 bytes per digit) has this capacity.</summary>
    public int NumDigits = 8192;
    /// <summary>Compiler arrays are their full size (≈10 MiB: one top-level form of up to
    /// 1 MiB of bytecode, 4096 functions ...) shifted right by this (0..4).</summary>
    public int CompilerShift;
    /// <summary>One form typed or pasted at the REPL, in characters (4 bytes each).</summary>
    public int ReplChars = 1 << 20;

    /// <summary>Full kernel sizes for 1 GiB and more; each halving of memory halves the
    /// arrays and the stacks' reservations, down to 16 MiB, with floors that keep every limit
    /// usable (4096-deep read/print, a sixteenth of the compiler, 2048-digit integers from
    /// 256 MiB down).</summary>
    public static VmSizes ForMemory(ulong memoryBytes)
    {
        int s = 0;
        for (ulong m = memoryBytes; s < 6 && m < (1UL << 30); m <<= 1) s++;
        VmSizes z = new VmSizes();
        // Reservations (address space; frames commit as deep as a recursion goes): at
        // 256 MiB 4M value slots and 2M frames, room for a 1,000,000-deep non-tail recursion
        // if the memory is there; at 16 MiB 256K slots and 128K frames.
        z.StackWords = (1 << 24) >> s;
        z.Frames = (1 << 23) >> s;
        z.ThreadStackWords = AtLeast((1 << 20) >> s, 1 << 15);
        z.ThreadFrames = AtLeast((1 << 19) >> s, 1 << 12);
        z.ReadDepth = AtLeast((1 << 20) >> s, 4096);
        z.PrintDepth = z.ReadDepth;
        z.ReadString = AtLeast((1 << 16) >> s, 1 << 14);
        z.NumDigits = 8192 >> (s < 2 ? s : 2);
        z.ReadToken = memoryBytes >= (256UL << 20) ? z.NumDigits * 10 : 4096;
        z.CompilerShift = s < 4 ? s : 4;
        z.ReplChars = AtLeast((1 << 18) >> s, 1 << 15);
        return z;
    }

    /// <summary>Bytes of C# objects a Vm and Repl of these sizes allocate at start-up
    /// (within ~10%; checked by VmSizesTests against the allocation really made), so a
    /// guest can say how much memory it needs before it runs out. The Lisp stacks and the
    /// reader's and printer's frame stacks are not C# objects: WorkStackBytes.</summary>
    public ulong EstimateBytes()
    {
        ulong b = (ulong)Threads * (Vm.MaxValues * 8 + 1024);                        // thread records
        b += (ulong)ReadString * 4 + (ulong)ReadToken * 10;                          // reader
        b += (ulong)NumDigits * 32;                                                  // printer
        b += (ulong)NumDigits * 4 * 44;                                              // number registers, Karatsuba scratch, decimal text
        b += (CompilerBytes >> CompilerShift) + (64UL << 10);                        // compiler + peephole
        b += (ulong)ReplChars * 4;
        return b + (128UL << 10);                                                    // builtins, buffers, small objects
    }

    /// <summary>Frames committed at start-up outside the heap: the reader's and printer's
    /// stacks (their first 1024 levels, at least a page per array) and the main thread's
    /// Lisp stacks (LispThread's first commit: 16K value slots, 2048 frames, 512 bindings,
    /// 256 catch entries), before any deep input.</summary>
    public ulong WorkStackBytes()
    {
        ulong first = (ulong)(ReadDepth < 1024 ? ReadDepth : 1024);
        ulong lisp = 16384 * 8 + 2048 * 24 + 512 * 16 + 256 * 32;
        return first * (27 + 29) + 12 * 4096 + lisp;
    }

    // The compiler's arrays at shift 0 (Compiler.cs): 1 MiB of code twice, records, env.
    const ulong CompilerBytes = 10UL << 20;

    static int AtLeast(int v, int min) { return v < min ? min : v; }
}
