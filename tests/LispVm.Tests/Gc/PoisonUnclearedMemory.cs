// Why: the heap commits its nursery and old space without zeroing (issue 20: on Xen that
// zeroing was ~1,500 instructions a page at boot). Every test in this assembly runs with
// those pages filled with garbage instead, so a heap path that reads memory it did not
// write first fails somewhere in the suite rather than only on a Xen guest.
using System.Runtime.CompilerServices;
using LispVm.Gc;
using LispVm.Hosted;

namespace LispVm.Tests.Gc
{
    static class PoisonUnclearedMemory
    {
#pragma warning disable CA2255   // a module initializer in a test assembly is the point
        [ModuleInitializer]
        internal static void Enable() { HostedFrameSource.PoisonUncleared = true; }
#pragma warning restore CA2255
    }

    public class PoisonUnclearedMemoryTests
    {
        [Xunit.Fact]
        public unsafe void UnclearedCommitsAreGarbageAndTheHeapStillWorks()
        {
            using var t = new GcTestHeap(limitMiB: 16, verify: true);
            // The nursery came through CommitUncleared: past the first objects it is garbage.
            ulong probe = t.H.Cons(W.Fix(1), W.Nil);
            Xunit.Assert.Equal(0xA5A5A5A5A5A5A5A5UL, *(ulong*)((probe & ~7UL) + (1UL << 20)));
            // Lists through several minor and full collections, verified after each.
            t[0] = t.Range(1000);
            for (int i = 0; i < 200; i++) { t[1] = t.Range(5000); if (i % 50 == 0) t.H.Collect(true); }
            Xunit.Assert.True(t.IsRange(t[0], 1000));
            Xunit.Assert.True(t.IsRange(t[1], 5000));
            Xunit.Assert.Null(t.Panic.Reason);
        }
    }
}
