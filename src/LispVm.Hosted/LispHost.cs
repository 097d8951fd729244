// Builds a complete hosted Lisp: heap (options from LISPVM_GC_STRESS/_FULL and the heap
// limit), VM, REPL core and the boot sources. Used by Program (the lispvm executable) and
// by the tests, which capture output instead of writing to stdout.
using System;
using System.Text;
using LispVm.Eval;
using LispVm.Gc;

namespace LispVm.Hosted;

public sealed class LispHost
{
    public readonly Heap Heap;
    public readonly Vm Vm;
    public readonly Repl Repl;
    public readonly HostedPlatform Platform;
    /// <summary>The heap's frames (tests cap them to play a domain of a given size).</summary>
    public readonly HostedFrameSource Frames;
    public int BootErrors;

    public static HeapOptions OptionsFromEnvironment(ulong limitMB)
    {
        var o = new HeapOptions { LimitBytes = limitMB << 20 };
        if (Environment.GetEnvironmentVariable("LISPVM_GC_STRESS") == "1")
        {
            o.StressMinorEvery = 1;
            string full = Environment.GetEnvironmentVariable("LISPVM_GC_STRESS_FULL");
            o.StressFullEvery = int.TryParse(full, out int n) && n > 0 ? n : 64;
        }
        if (Environment.GetEnvironmentVariable("LISPVM_GC_VERIFY") == "1") o.VerifyAfterGc = true;
        // LISPVM_NURSERY_MB=N: the nursery size (default 4), to reproduce the image's or a
        // small guest's collection pattern.
        if (ulong.TryParse(Environment.GetEnvironmentVariable("LISPVM_NURSERY_MB"), out ulong nmb) && nmb > 0) o.NurseryBytes = nmb << 20;
        return o;
    }

    /// <summary>Why a given heap image was not used (null: used, or none given).</summary>
    public string ImageRefused;

    public unsafe LispHost(HeapOptions options, bool exitForReal, Action<byte[], int> capture = null, byte[] image = null,
                           bool peephole = true, VmSizes sizes = null)
    {
        Platform = new HostedPlatform(exitForReal) { Capture = capture };
        if (options.Clock == null) options.Clock = new HostedGcClock();
        Frames = new HostedFrameSource();
        Heap = new Heap(Frames, options.LimitBytes, options);
        HostedStack.Apply(Heap);
        // With an image the VM leaves the heap's start-up state to it (InitHeapState if refused).
        Vm = new Vm(Heap, Platform, sizes, image != null);
        Vm.Comp.UsePeephole = peephole;   // off: tests compare code as emitted (the library too)
        Vm.DebugChecks = Environment.GetEnvironmentVariable("LISPVM_VM_DEBUG") == "1";
        Repl = sizes == null ? new Repl(Vm) : new Repl(Vm, sizes.ReplChars);
        if (image != null)
        {
            fixed (byte* b = image) ImageRefused = HeapImage.Load(Vm, b, image.Length);
            if (ImageRefused == null) { Vm.FlushConsole(); return; }
            Vm.InitHeapState();
        }
        BootErrors = Boot.Load(Vm, Repl);
        Vm.FlushConsole();
    }

    public void FeedString(string s)
    {
        byte[] b = Encoding.UTF8.GetBytes(s);
        HostedStack.Apply(Heap);   // the feeding thread's stack (tests may switch threads)
        Repl.Feed(b, b.Length);
    }
}
