// Why: every array the VM allocates at start-up (value/frame stacks, the green-thread pool,
// reader and printer frame stacks, the compiler's work arrays, the REPL's form buffer) is
// sized here, in one place. The kernel allocates them once and never again (no C#
// allocation after boot), so their worst case is paid in every guest: ForMemory scales
// them with the memory the guest has: a 16 MiB domain spends ~3 MiB on them, a 1 GiB one
// gets the full sizes (~19 MiB). Deep nesting is not paid up front: the reader's and
// printer's frame stacks reserve address space and commit frames as deep as they go, so
// a 1 GiB guest reads and prints 10^6 levels. Hosted keeps the full defaults. The image as a
// Linux process pays these sizes in address space only: its start-up memory is not zeroed
// twice (BootHeap.Alloc does not zero), so an array is resident as far as it is written.
namespace LispVm.Eval;

public sealed class VmSizes
{
    /// <summary>Main thread: value stack words, frames.</summary>
    public int StackWords = 1 << 20, Frames = 1 << 16;
    /// <summary>Green-thread pool (slot 0 is the main thread) and each extra thread's stacks.
    /// The pool size is part of the heap image's fingerprint: ForMemory keeps it.</summary>
    public int Threads = 8, ThreadStackWords = 1 << 16, ThreadFrames = 4096;
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
    /// arrays (the main thread's stacks only below 64 MiB), down to 16 MiB, with floors that keep every limit usable (4096-deep
    /// read/print, 2048 frames, 64K-word stacks, a sixteenth of the compiler, 2048-digit
    /// integers from 256 MiB down).</summary>
    public static VmSizes ForMemory(ulong memoryBytes)
    {
        int s = 0;
        for (ulong m = memoryBytes; s < 6 && m < (1UL << 30); m <<= 1) s++;
        VmSizes z = new VmSizes();
        // The main thread's stacks keep their full size from 64 MiB up (~2.9 MiB): a
        // 10,000-deep non-tail recursion (the golden transcripts) must run in a 128 MiB guest.
        int t = memoryBytes >= (64UL << 20) ? 0 : s;
        z.StackWords = AtLeast((1 << 18) >> t, 1 << 13);
        // From 256 MiB up the main thread has the hosted build's 64K frames (cl-bench's
        // (ackermann 3 11) nests 16K deep): 48K more frames, bindings and catches cost
        // ~3.6 MiB of arrays, resident only as deep as a recursion really goes on Linux.
        z.Frames = memoryBytes >= (256UL << 20) ? 1 << 16 : AtLeast((1 << 14) >> t, 2048);
        z.ThreadStackWords = AtLeast((1 << 15) >> s, 1 << 13);
        z.ThreadFrames = AtLeast(2048 >> s, 512);
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
    /// guest can say how much memory it needs before it runs out. The reader's and
    /// printer's frame stacks are not C# objects: WorkStackBytes.</summary>
    public ulong EstimateBytes()
    {
        ulong b = Thread(StackWords, Frames, Frames >= (1 << 16) ? Frames : Frames / 2);
        b += (ulong)(Threads - 1) * Thread(ThreadStackWords, ThreadFrames, ThreadFrames / 2);
        b += (ulong)ReadString * 4 + (ulong)ReadToken * 10;                          // reader
        b += (ulong)NumDigits * 32;                                                  // printer
        b += (ulong)NumDigits * 4 * 44;                                              // number registers, Karatsuba scratch, decimal text
        b += (CompilerBytes >> CompilerShift) + (64UL << 10);                        // compiler + peephole
        b += (ulong)ReplChars * 4;
        return b + (128UL << 10);                                                    // builtins, buffers, small objects
    }

    /// <summary>Frames the reader's and printer's stacks commit at start-up (their first
    /// 1024 levels, at least a page per array), before any deep input.</summary>
    public ulong WorkStackBytes()
    {
        ulong first = (ulong)(ReadDepth < 1024 ? ReadDepth : 1024);
        return first * (27 + 29) + 12 * 4096;
    }

    // The compiler's arrays at shift 0 (Compiler.cs): 1 MiB of code twice, records, env.
    const ulong CompilerBytes = 10UL << 20;

    static ulong Thread(int stackWords, int frames, int catches)
    {
        if (stackWords < 8192) stackWords = 8192;                                    // LispThread's floor
        return (ulong)stackWords * 8 + (ulong)frames * (24 + 16) + (ulong)catches * 32 + 1024;
    }

    static int AtLeast(int v, int min) { return v < min ? min : v; }
}
